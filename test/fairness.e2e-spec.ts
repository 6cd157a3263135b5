import OpenAI from 'openai';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

describe('Background jobs are shared fairly between tenants', () => {
  let db: FreshDatabase;
  let server: TestServer;
  let a: OpenAI;
  let b: OpenAI;
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer(
      { API_KEYS: 'key-a=tenant-a,key-b=tenant-b', JOB_CONCURRENCY: '2', MAX_QUEUED_JOBS: '100', MAX_QUEUED_JOBS_PER_TENANT: '25', SHUTDOWN_GRACE_MS: '0' },
      db.url,
    );
    a = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
    b = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it("runs another tenant's job next instead of after one tenant's whole backlog, and keeps that backlog within its share", async () => {
    const backlog: OpenAI.Responses.Response[] = [];
    let refused: unknown;
    while (!refused && backlog.length < 40) {
      await a.responses.create({ model: 'm', input: 'TOKENS 10 300', background: true }).then(
        (job) => backlog.push(job),
        (error: unknown) => (refused = error),
      );
    }
    // Tenant A's share (25 queued) is full, its first jobs running; tenant B can still queue.
    expect(refused).toMatchObject({ status: 429, code: 'queue_full' });
    expect(backlog.length).toBeGreaterThanOrEqual(25);
    expect(backlog.length).toBeLessThanOrEqual(29);
    const quick = await b.responses.create({ model: 'm', input: 'quick', background: true });
    const done = await waitFor(async () => {
      const response = await b.responses.retrieve(quick.id);
      return response.status === 'completed' ? response : undefined;
    }, 20_000);
    expect(done.output_text).toBe('Hello! You said: quick');
    // A's backlog takes 25 × 3 s over two slots: B's job went at the first free slot, with most of A's still waiting.
    const statuses = await Promise.all(backlog.map(async (job) => (await a.responses.retrieve(job.id)).status));
    expect(statuses.filter((status) => status === 'queued').length).toBeGreaterThanOrEqual(15);
  });
});

describe("A tenant's long background jobs", () => {
  let db: FreshDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({ API_KEYS: 'key-a=tenant-a,key-b=tenant-b', JOB_CONCURRENCY: '3', SHUTDOWN_GRACE_MS: '0' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it("leave a place for another tenant's job, which starts at once rather than after one of them", async () => {
    const a = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
    const b = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
    const long = await Promise.all(Array.from({ length: 4 }, () => a.responses.create({ model: 'm', input: 'WAIT 4000 long', background: true })));
    const statusesOfA = () => Promise.all(long.map(async (job) => (await a.responses.retrieve(job.id)).status));
    await waitFor(async () => ((await statusesOfA()).filter((status) => status === 'in_progress').length === 2 ? true : undefined));

    const started = Date.now();
    const quick = await b.responses.create({ model: 'm', input: 'quick', background: true });
    await waitFor(async () => ((await b.responses.retrieve(quick.id)).status === 'completed' ? true : undefined));
    // Before any of A's jobs (4 s each) could have ended and freed a place.
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await statusesOfA()).sort()).toEqual(['in_progress', 'in_progress', 'queued', 'queued']);
  });
});
