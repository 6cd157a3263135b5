import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { spawnServer } from './support/server-process';
import { waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

/** Every answer names its request, and the logs of the request name it too. */
describe('Request ids and timing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers every request with x-request-id and openai-processing-ms, errors and streams included, and echoes the client its own id', async () => {
    const { response, request_id } = await server.client.responses
      .create({ model: 'm', input: 'Hi' }, { headers: { 'X-Client-Request-Id': 'my-trace-42' } })
      .withResponse();
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-client-request-id')).toBe('my-trace-42');
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0);

    const missing = await fetch(`${server.url}/v1/responses/resp_nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^req_/);
    expect(missing.headers.get('openai-processing-ms')).toMatch(/^\d+$/);

    const stream = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'Hi', stream: true }),
    });
    expect(stream.headers.get('x-request-id')).toMatch(/^req_/);
    expect(stream.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    await stream.text();
    // Two requests, two ids.
    expect(stream.headers.get('x-request-id')).not.toBe(missing.headers.get('x-request-id'));
  });
});

describe('Request ids in the logs', () => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  beforeAll(async () => {
    db = await createFreshDatabase();
    stub = await startStubUpstream();
  });
  afterAll(async () => {
    await stub.close();
    await db.drop();
  });

  it("puts the request's id, and the client's, in every line logged while serving it", async () => {
    const server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, LOG_LEVEL: 'info' });
    try {
      const answer = await fetch(`${server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-request-id': 'client-7' },
        // A tool the server does not offer is logged while the request is served.
        body: JSON.stringify({ model: 'm', input: 'Hi', tools: [{ type: 'file_search' }] }),
      });
      expect(answer.status).toBe(200);
      const id = answer.headers.get('x-request-id')!;
      const linesOf = () =>
        server
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg?: string; req?: { id?: string }; clientRequestId?: string })
          .filter((line) => line.req?.id === id);
      // The request's own line is written once its answer has gone.
      const ofRequest = await waitFor(async () => (linesOf().some((line) => line.msg === 'request completed') ? linesOf() : undefined));
      expect(ofRequest.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringContaining('tools not offered'), 'request completed']));
      expect(ofRequest.every((line) => line.clientRequestId === 'client-7')).toBe(true);
    } finally {
      server.kill('SIGTERM');
      await server.exited;
    }
  });
});
