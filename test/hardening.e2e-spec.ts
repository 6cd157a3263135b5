import { request } from 'node:http';
import { gzipSync } from 'node:zlib';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { spawnServer } from './support/server-process';
import { waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

const errorBody = (code: string | null, param: string | null = null) => ({
  error: { message: expect.any(String), type: expect.any(String), param, code },
});

describe('Hardening: bounds and edges answered as OpenAI-shaped 4xx', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ API_KEYS: 'secret-a=tenant-a' });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer secret-a', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it.each([
    ['max_output_tokens', { max_output_tokens: 1e308 }],
    ['max_tool_calls', { max_tool_calls: 1e308 }],
    ['model', { model: 'm'.repeat(100_000) }],
  ])('bounds %s', async (param, fields) => {
    const res = await post('/v1/responses', { model: 'm', input: 'x', ...fields });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errorBody('invalid_value', param));
  });

  it('refuses a starting_after beyond a 32-bit integer with a 400, not a broken stream', async () => {
    const { id } = (await (await post('/v1/responses', { model: 'm', input: 'hi' })).json()) as { id: string };
    const res = await fetch(`${server.url}/v1/responses/${id}?stream=true&starting_after=99999999999`, { headers: { Authorization: 'Bearer secret-a' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errorBody('invalid_value', 'starting_after'));
  });

  it('refuses a tool output part of an unknown type', async () => {
    const res = await post('/v1/responses/resp_x/submit_tool_outputs', { tool_call_id: 'call_1', output: [{ type: 'output_banana', text: 'x' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errorBody('invalid_value', 'output[0].type'));
  });

  it('answers a 64 KB URL with an OpenAI-shaped 431', async () => {
    const res = await fetch(`${server.url}/v1/responses/${'x'.repeat(64 * 1024)}`, { headers: { Authorization: 'Bearer secret-a' } });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual(errorBody('request_header_fields_too_large'));
  });

  it('parses every JSON media type it accepts (application/vnd.api+json)', async () => {
    const res = await post('/v1/responses', { model: 'm', input: 'hi' }, { 'Content-Type': 'application/vnd.api+json' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'completed' });
  });

  it('takes the Bearer scheme in any case (RFC 7235)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await post('/v1/responses', { model: 'm', input: 'hi' }, { Authorization: `${scheme} secret-a` });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a wrong key before reading (or inflating) the body', async () => {
    // A body announced and never sent: only a server that authenticates first can answer.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/v1/responses`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': '19000', Authorization: 'Bearer wrong' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write(gzipSync(Buffer.alloc(1000)).subarray(0, 10));
    });
    expect(status).toBe(401);
  });
});

describe('Hardening: what clients and logs are never shown', () => {
  let stub: StubUpstream;
  let db: FreshDatabase;
  beforeAll(async () => {
    stub = await startStubUpstream();
    db = await createFreshDatabase();
  });
  afterAll(async () => {
    await stub.close();
    await db.drop();
  });

  it("hides an unreachable upstream's address from the client", async () => {
    const server = await startTestServer({ UPSTREAM_BASE_URL: 'http://127.0.0.1:9/v1', UPSTREAM_TIMEOUT_MS: '2000' });
    try {
      const response = await server.client.responses.create({ model: 'm', input: 'hi' });
      expect(response.status).toBe('failed');
      expect(response.error).toMatchObject({ code: 'upstream_unavailable' });
      expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|:9\b/);
    } finally {
      await server.close();
    }
  });

  it('logs no credential, query key or request body', async () => {
    const server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, API_KEYS: 'key-sk-123=t', LOG_LEVEL: 'info' });
    try {
      const headers = {
        Authorization: 'Bearer key-sk-123',
        'x-api-key': 'hdr-secret-1',
        'api-key': 'hdr-secret-2',
        'proxy-authorization': 'Basic hdr-secret-3',
        cookie: 'session=hdr-secret-4',
        'Content-Type': 'application/json',
      };
      const body = JSON.stringify({ model: 'm', input: 'body-secret-5' });
      expect((await fetch(`${server.url}/v1/responses?api_key=query-secret-6`, { method: 'POST', headers, body })).status).toBe(200);
      // An unknown query parameter is refused (400), and logged without its value.
      expect((await fetch(`${server.url}/v1/responses/nope?key=query-secret-7`, { headers })).status).toBe(400);
      // Both requests' lines have reached the log.
      const output = await waitFor(async () => (server.output().includes('/v1/responses/nope') ? server.output() : undefined));
      expect(output).toContain('"url":"/v1/responses?api_key=[Redacted]"');
      for (const secret of [
        'key-sk-123',
        'hdr-secret-1',
        'hdr-secret-2',
        'hdr-secret-3',
        'hdr-secret-4',
        'body-secret-5',
        'query-secret-6',
        'query-secret-7',
      ]) {
        expect(output).not.toContain(secret);
      }
    } finally {
      server.kill('SIGTERM');
      await server.exited;
    }
  });

  it('names a malformed API_KEYS without printing it', async () => {
    await expect(spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, API_KEYS: 'start-secret-8=a,broken' })).rejects.toThrow(
      /API_KEYS=\(value hidden\)/,
    );
    await expect(spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, API_KEYS: 'start-secret-8=a,broken' })).rejects.not.toThrow(
      /start-secret-8/,
    );
  });

  it('reports not ready as soon as a SIGTERM drain starts, while running jobs finish', async () => {
    const server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, SHUTDOWN_GRACE_MS: '10000' });
    const job = await server.client.responses.create({ model: 'm', input: 'TOKENS 60 50', background: true });
    await waitFor(async () => ((await server.client.responses.retrieve(job.id)).status === 'in_progress' ? true : undefined), 2000, 20);
    server.kill('SIGTERM');
    expect(await waitFor(async () => ((await fetch(`${server.url}/ready`)).status === 503 ? 503 : undefined), 1000, 20)).toBe(503);
    // Still draining: the job is running, the process still answers.
    expect((await server.client.responses.retrieve(job.id)).status).toBe('in_progress');
    expect(await server.exited).toBe(0);
  });
});
