import { McpHostPolicy } from './mcp-host-policy';

describe('McpHostPolicy', () => {
  it('by default refuses internal addresses and allows public ones', async () => {
    const policy = new McpHostPolicy(undefined);
    for (const url of [
      'http://127.0.0.1:9/mcp',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://192.168.0.10/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost/',
    ]) {
      expect(await policy.check(new URL(url))).toMatch(/internal network/);
    }
    expect(await policy.check(new URL('https://93.184.216.34/mcp'))).toBeUndefined();
    expect(policy.enabled).toBe(true);
  });

  it('allows only the hosts listed, by name or *.suffix', async () => {
    const policy = new McpHostPolicy('mcp.corp.example,*.tools.example,127.0.0.1');
    expect(await policy.check(new URL('http://127.0.0.1:3000/mcp'))).toBeUndefined();
    expect(policy.refusal(new URL('https://a.tools.example/'))).toBeUndefined();
    expect(policy.refusal(new URL('https://MCP.corp.example/'))).toBeUndefined();
    expect(policy.refusal(new URL('https://tools.example.evil/'))).toMatch(/MCP_ALLOWED_HOSTS/);
    expect(policy.refusal(new URL('https://93.184.216.34/'))).toMatch(/MCP_ALLOWED_HOSTS/);
  });

  it('turns mcp tools off with none, and allows any host with *', async () => {
    expect(new McpHostPolicy('none').enabled).toBe(false);
    expect(await new McpHostPolicy('*').check(new URL('http://10.0.0.1/'))).toBeUndefined();
  });
});

describe('McpHostPolicy.lookup, which every connection to an MCP server resolves its name with', () => {
  const lookup = (policy: McpHostPolicy, hostname: string, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      policy.lookup(hostname, { all }, (error, address) => resolve({ error, address })),
    );

  it('by default fails a name that resolves to an internal address, whatever the check saw before', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup(new McpHostPolicy(undefined), 'localhost', all);
      expect(error?.message).toMatch(/'localhost' resolved to an internal address/);
    }
    expect((await lookup(new McpHostPolicy(undefined), '93.184.216.34', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('resolves as usual when hosts are listed', async () => {
    const { error, address } = await lookup(new McpHostPolicy('localhost'), 'localhost', false);
    expect(error).toBeNull();
    expect(address).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
