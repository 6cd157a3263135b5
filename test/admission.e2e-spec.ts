import OpenAI from 'openai';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { type ServerProcess, spawnServer } from './support/server-process';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';

/** Enough creates at once to keep the server's one core busy for about a second. */
const FLOOD = 1200;

describe('A flood of requests from one API key', () => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  let server: ServerProcess;
  beforeAll(async () => {
    db = await createFreshDatabase();
    stub = await startStubUpstream();
    // A process of its own, as deployed: the flood must meet the server's event loop, not the test's.
    server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, API_KEYS: 'key-a=tenant-a,key-b=tenant-b' });
  }, 60_000);
  afterAll(async () => {
    server.kill('SIGTERM');
    await server.exited;
    await stub.close();
    await db.drop();
  });

  it("waits behind its own requests: another key's request sent after the flood is answered within the first quarter of it, and every flooded request is answered", async () => {
    const client = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 120_000 });
    const flooder = client('key-a');
    const other = client('key-b');
    const answered: string[] = [];
    const flood = Array.from({ length: FLOOD }, (_, index) =>
      flooder.responses.create({ model: 'm', input: `flood ${index}` }).then((response) => {
        answered.push('a');
        return response;
      }),
    );
    // The whole flood has gone out once the server answers its first request.
    await Promise.race(flood);
    const before = answered.length;
    const quick = await other.responses.create({ model: 'm', input: 'quick' });
    const afterFlooded = answered.length;

    expect(quick.status).toBe('completed');
    // Without admission (ADMISSION_SLICE_MS=0) it came after 794 and 1,195 of the 1,200; with it, after 44 and 59.
    expect(before).toBeLessThan(FLOOD / 4);
    expect(afterFlooded).toBeLessThan(FLOOD / 4);
    const flooded = await Promise.all(flood);
    expect(flooded.map((response) => response.status)).toEqual(flooded.map(() => 'completed'));
    // Nothing the flood was told is lost: every answered response can be read back.
    const last = flooded[flooded.length - 1];
    expect((await flooder.responses.retrieve(last.id)).output_text).toBe(last.output_text);
  }, 120_000);
});
