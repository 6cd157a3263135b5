import { ResponseWrites } from '../src/responses/runs/response-writes';
import { StaleResponseSweeper } from '../src/responses/runs/stale-response-sweeper';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

describe('Abandoned responses', () => {
  // A database of their own: a sweep with no grace ends every stream in its database that its process does not run,
  // those of the test files running alongside included.
  let db: FreshDatabase;
  let running: TestServer;
  let survivor: TestServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    running = await startTestServer({}, db.url);
    survivor = await startTestServer({}, db.url);
  });
  afterAll(async () => {
    await running.close();
    await survivor.close();
    await db.drop();
  });

  it('ends a stream whose process stopped touching it as failed, with a response.failed event in its log', async () => {
    const controller = new AbortController();
    const stream = await running.client.responses.create({ model: 'm', input: 'TOKENS 200 30', stream: true }, { signal: controller.signal });
    // Read a few events without closing the stream (leaving a for-await loop would cancel the response).
    const events = stream[Symbol.asyncIterator]();
    const created = (await events.next()).value;
    const id = created.type === 'response.created' ? created.response.id : '';
    for (let i = 0; i < 5; i++) await events.next();
    expect((await survivor.client.responses.retrieve(id)).status).toBe('in_progress');
    // The survivor does not run this response; with a zero grace it treats the other process as gone.
    expect(await survivor.app.get(StaleResponseSweeper).tick(0)).toBeGreaterThanOrEqual(1);
    const failed = await survivor.client.responses.retrieve(id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'server_error' });
    const originalEnd = finalWriteOf(running, id);
    controller.abort();
    const replay: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of await survivor.client.responses.retrieve(id, { stream: true })) replay.push(event);
    // (A process that really died writes nothing more; this one is still alive and logs its own cancellation after.)
    expect(replay.map((e) => e.type)).toContain('response.failed');
    expect(replay.map((e) => e.sequence_number)).toEqual([...replay.map((e) => e.sequence_number)].sort((a, b) => a - b));
    // The original process, still alive in this test, does not overwrite the verdict when its run ends.
    expect(await originalEnd).toBe(false);
    expect((await survivor.client.responses.retrieve(id)).status).toBe('failed');
  });

  it('leaves responses that their process still touches alone', async () => {
    const stream = await running.client.responses.create({ model: 'm', input: 'TOKENS 20 20', stream: true });
    let id = '';
    for await (const event of stream) {
      if (event.type === 'response.created') {
        id = event.response.id;
        await running.app.get(StaleResponseSweeper).tick(0);
      }
    }
    expect((await running.client.responses.retrieve(id)).status).toBe('completed');
  });
});

/** Whether `server`'s next final write of response `id` is written (false: refused, the response having ended already). */
function finalWriteOf(server: TestServer, id: string): Promise<boolean> {
  const writes = server.app.get(ResponseWrites);
  const updateState = writes.updateState.bind(writes);
  return new Promise((resolve) => {
    jest.spyOn(writes, 'updateState').mockImplementation(async (...args) => {
      const written = await updateState(...args);
      if (args[0].response.id === id) resolve(written);
      return written;
    });
  });
}
