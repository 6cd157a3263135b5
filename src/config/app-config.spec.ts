import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8000, STREAM_HEARTBEAT_MS: 15000, STRICT_EVENTS: false, JOB_LEASE_MS: 30000, HEAP_GROWTH_PERCENT: 300 });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('converts numbers and booleans', () => {
    expect(loadConfig({ PORT: '9000', STRICT_EVENTS: 'true' })).toMatchObject({ PORT: 9000, STRICT_EVENTS: true });
  });

  it.each([
    ['PORT', 'eighty'],
    ['UPSTREAM_BASE_URL', 'localhost:11434'],
    ['DATABASE_URL', 'mysql://x'],
    ['STRICT_EVENTS', 'maybe'],
    ['API_KEYS', 'no-tenant'],
    ['HEAP_GROWTH_PERCENT', '-1'],
  ])('rejects a bad %s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });
});
