import OpenAI from 'openai';

import { RateLimiter } from '../src/rate-limits/rate-limiter';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

const clientOf = (server: TestServer, key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });

describe('Rate limits per tenant, shared by every replica', () => {
  let db: FreshDatabase;
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    const env = { API_KEYS: 'key-a=tenant-a;rpm=3,key-b=tenant-b,key-c=tenant-c;tpm=10,key-d=tenant-d', RATE_LIMIT_RPM: '4' };
    [first, second] = await Promise.all([startTestServer(env, db.url), startTestServer(env, db.url)]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await db.drop();
  });

  /** Each replica adds its counts and reads the others' (one after the other, so that each sees what the other added). */
  const exchange = async () => {
    for (const server of [first, second, first]) await server.app.get(RateLimiter).exchange();
  };

  it("refuses a key's requests beyond its own limit with 429, Retry-After and OpenAI's headers; others go on", async () => {
    const a = clientOf(first, 'key-a');
    const answered = await a.responses.create({ model: 'm', input: 'one' }).withResponse();
    expect(answered.response.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(answered.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(answered.response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+s$/);
    await a.responses.create({ model: 'm', input: 'two' });
    await a.responses.create({ model: 'm', input: 'three' });
    const calls = first.stub.requests.length;
    const refused = await fetch(`${first.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer key-a' },
      body: JSON.stringify({ model: 'm', input: 'four' }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await refused.json()).toEqual({
      error: { message: expect.stringContaining('requests per minute'), type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    });
    expect(first.stub.requests.length).toBe(calls);
    // Another tenant is not affected.
    expect((await clientOf(first, 'key-b').responses.create({ model: 'm', input: 'hi' })).status).toBe('completed');
  });

  it('counts the requests of every replica against one limit', async () => {
    const onFirst = clientOf(first, 'key-d');
    const onSecond = clientOf(second, 'key-d');
    // RATE_LIMIT_RPM is 4: two requests on each replica use it up.
    await onFirst.responses.create({ model: 'm', input: 'w' });
    await onFirst.responses.create({ model: 'm', input: 'x' });
    await onSecond.responses.create({ model: 'm', input: 'y' });
    await exchange();
    await onSecond.responses.create({ model: 'm', input: 'z' });
    await exchange();
    await expect(onFirst.responses.create({ model: 'm', input: 'too many' })).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    await expect(onSecond.responses.create({ model: 'm', input: 'too many' })).rejects.toMatchObject({ status: 429 });
  });

  it('refuses requests once the tokens of the last minute reach the limit', async () => {
    const c = clientOf(first, 'key-c');
    const answered = await c.responses.create({ model: 'm', input: 'count my tokens please' }).withResponse();
    expect(answered.response.headers.get('x-ratelimit-limit-tokens')).toBe('10');
    expect(answered.data.usage!.total_tokens).toBeGreaterThanOrEqual(10);
    await expect(c.responses.create({ model: 'm', input: 'more' })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      message: expect.stringContaining('tokens per minute'),
    });
  });
});
