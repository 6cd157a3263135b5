import { DatabaseAvailability } from '../src/database/database-availability';
import { type CuttableProxy, startCuttableProxy } from './support/cuttable-proxy';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('A database outage', () => {
  let db: FreshDatabase;
  let proxy: CuttableProxy;
  let server: TestServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    proxy = await startCuttableProxy(db.url);
    server = await startTestServer({ DATABASE_OUTAGE_RETRY_MS: '20000' }, proxy.url);
  });
  afterAll(async () => {
    proxy.restore();
    await server.close();
    await proxy.close();
    await db.drop();
  });
  afterEach(() => proxy.restore());

  /** Cuts the database until the probe has seen it. */
  async function outage(): Promise<void> {
    proxy.cut();
    const availability = server.app.get(DatabaseAvailability);
    await availability.probe();
    expect(availability.isReachable).toBe(false);
  }

  it('refuses requests that need the database at once, with 503 and Retry-After, before any model call; the rest go on', async () => {
    await outage();
    const calls = server.stub.requests.length;
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'hi' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'server_error', param: null, code: 'database_unavailable' } });
    expect(server.stub.requests.length).toBe(calls);
    expect((await fetch(`${server.url}/v1/responses/resp_x`)).status).toBe(503);
    expect((await fetch(`${server.url}/v1/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(503);
    expect((await fetch(`${server.url}/ready`)).status).toBe(503);
    // What keeps nothing needs no database.
    const ephemeral = await server.client.responses.create({ model: 'm', input: 'hi', store: false });
    expect(ephemeral.output_text).toBe('Hello! You said: hi');
    // The SDK retries a 503 after Retry-After by itself; once the database is back everything works again.
    proxy.restore();
    await server.app.get(DatabaseAvailability).probe();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await server.client.responses.create({ model: 'm', input: 'back' })).status).toBe('completed');
  });

  it('keeps an answer the model gave during an outage: its write waits for the database, then the client gets it', async () => {
    const requestsBefore = server.stub.requests.length;
    const pending = server.client.responses.create({ model: 'm', input: 'TOKENS 10 50' });
    const streamed = server.client.responses.create({ model: 'm', input: 'TOKENS 10 50', stream: true });
    // Both are being answered (for 500 ms) when the database goes away, and it stays away for longer than that.
    await waitFor(async () => (server.stub.requests.length >= requestsBefore + 2 ? true : undefined), 5000, 10);
    proxy.cut();
    await sleep(1500);
    proxy.restore();
    const response = await pending;
    expect(response.status).toBe('completed');
    const events: Array<{ type: string; response?: { id: string } }> = [];
    for await (const event of await streamed) events.push(event);
    expect(events.at(-1)?.type).toBe('response.completed');
    // Both were stored as they ended.
    expect((await server.client.responses.retrieve(response.id)).output_text).toBe(response.output_text);
    const streamedId = events[0].response!.id;
    expect((await server.client.responses.retrieve(streamedId)).status).toBe('completed');
  });

  it('answers 503 with Retry-After, not a 500, when an answer could not be stored within DATABASE_OUTAGE_RETRY_MS', async () => {
    // A proxy of its own: the other server sees no outage.
    const ownProxy = await startCuttableProxy(db.url);
    const impatient = await startTestServer({ DATABASE_OUTAGE_RETRY_MS: '300' }, ownProxy.url);
    try {
      const requestsBefore = impatient.stub.requests.length;
      const pending = fetch(`${impatient.url}/v1/responses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'TOKENS 10 50' }),
      });
      await waitFor(async () => (impatient.stub.requests.length > requestsBefore ? true : undefined), 5000, 10);
      ownProxy.cut();
      const res = await pending;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ error: { type: 'server_error', code: 'database_unavailable' } });
    } finally {
      ownProxy.restore();
      await impatient.close();
      await ownProxy.close();
    }
  });

  it('finishes a background job that was running during an outage once, without running it again', async () => {
    const job = await server.client.responses.create({ model: 'm', input: 'TOKENS 12 50 job-once', background: true });
    await waitFor(async () => ((await server.client.responses.retrieve(job.id)).status === 'in_progress' ? true : undefined), 2000, 20);
    proxy.cut();
    await sleep(1500);
    proxy.restore();
    // Polled as a client would, through the 503s of the outage's end.
    await waitFor(() =>
      server.client.responses.retrieve(job.id).then(
        (r) => (r.status === 'completed' ? true : undefined),
        () => undefined,
      ),
    );
    // Nothing more happens: no other run of the job comes after (a worker's release or retry would come at once).
    await sleep(1500);
    const calls = server.stub.requests.filter((body) => JSON.stringify(body.messages).includes('job-once'));
    expect(calls).toHaveLength(1);
  });
});
