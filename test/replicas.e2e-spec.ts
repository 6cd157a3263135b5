import { adminQuery, createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { type ServerProcess, spawnServer } from './support/server-process';
import { rebuildOutput, startStreamedJob, type StreamEvent, streamStored, waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream, tokensReply } from './support/stub-upstream';

const LEASE_MS = 2000;

/** Two server processes on one database behave as one service. */
describe('Background jobs across replicas', () => {
  jest.setTimeout(60_000);
  let db: FreshDatabase;
  let stub: StubUpstream;
  const replicas: ServerProcess[] = [];

  const start = () => spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, JOB_LEASE_MS: String(LEASE_MS), SHUTDOWN_GRACE_MS: '300' });

  beforeAll(async () => {
    [db, stub] = await Promise.all([createFreshDatabase(), startStubUpstream()]);
    replicas.push(...(await Promise.all([start(), start()])));
  });
  afterAll(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited));
    await stub.close();
    await db.drop();
  });

  /** The replica whose worker holds the job's lease, and the other one. */
  async function runnerOf(id: string): Promise<{ runner: ServerProcess; other: ServerProcess }> {
    const owner = await waitFor(async () => {
      const rows = await adminQuery<{ lease_owner: string | null }>(db.url, `SELECT lease_owner FROM jobs WHERE response_id = $1`, [id]);
      return rows[0]?.lease_owner ?? undefined;
    });
    const pid = Number(owner.split('/')[1]);
    const runner = replicas.find((replica) => replica.pid === pid)!;
    return { runner, other: replicas.find((replica) => replica !== runner)! };
  }

  const finishedOn = (replica: ServerProcess, id: string, timeoutMs = 10_000) =>
    waitFor(async () => {
      const response = await replica.client.responses.retrieve(id);
      return ['queued', 'in_progress'].includes(response.status!) ? undefined : response;
    }, timeoutMs);

  /** Waits until the job's log holds at least `count` text deltas. */
  const deltasLogged = (id: string, count: number) =>
    waitFor(async () => {
      const rows = await adminQuery<{ n: number }>(
        db.url,
        `SELECT count(*)::int AS n FROM response_events, json_array_elements(events) AS e WHERE response_id = $1 AND e->>'type' = 'response.output_text.delta'`,
        [id],
      );
      return rows[0].n >= count ? true : undefined;
    });

  it('runs a job created on one replica and serves it on the other', async () => {
    const [a, b] = replicas;
    const created = await a.client.responses.create({ model: 'stub-model', input: 'TOKENS 10 10', background: true });
    expect(created.status).toBe('queued');
    const done = await finishedOn(b, created.id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(10));
  });

  it('cancels from the replica that is not running the job, which stops within a second', async () => {
    const abortedBefore = stub.aborted;
    const created = await replicas[0].client.responses.create({ model: 'stub-model', input: 'TOKENS 500 20', background: true });
    const { other } = await runnerOf(created.id);
    await waitFor(async () => ((await other.client.responses.retrieve(created.id)).status === 'in_progress' ? true : undefined));

    const cancelled = await other.client.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    await waitFor(async () => (stub.aborted > abortedBefore ? true : undefined), 5000);
    const events = await streamStored(other.url, created.id);
    expect(events.at(-1)!.type).toBe('response.cancelled');
    expect(rebuildOutput(events)).toEqual(cancelled.output);
  });

  it('resumes a stream on the other replica with starting_after: every remaining event once, in order', async () => {
    const [a, b] = replicas;
    const stream = await a.client.responses.create({ model: 'stub-model', input: 'TOKENS 40 15', background: true, stream: true });
    const seen: StreamEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === 8) break; // the client goes away mid-stream
    }
    const id = seen[0].response.id;
    const rest = await streamStored(b.url, id, seen.at(-1)!.sequence_number);

    const all = [...seen, ...rest];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(rest.at(-1)!.type).toBe('response.completed');
    expect(
      all
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe(tokensReply(40));
    const final = await b.client.responses.retrieve(id);
    expect(rebuildOutput(all)).toEqual(final.output);
    expect(await streamStored(a.url, id)).toEqual(all);
  });

  it('finishes on the survivor the job of a replica killed with SIGKILL', async () => {
    const created = { id: await startStreamedJob(replicas[0].client, 'TOKENS 60 25') };
    const { runner, other } = await runnerOf(created.id);
    await deltasLogged(created.id, 5);
    runner.kill('SIGKILL');
    await runner.exited;

    const done = await finishedOn(other, created.id, LEASE_MS + 15_000);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(60));
    // The log tells the whole story: the dead attempt's partial output, then the rerun from a reset snapshot.
    const events = await streamStored(other.url, created.id);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === 'response.in_progress')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'response.in_progress')[1].response.output).toEqual([]);
    expect(rebuildOutput(events)).toEqual(done.output);

    replicas.splice(replicas.indexOf(runner), 1, await start());
  });

  it('hands its jobs over on SIGTERM, and another replica finishes them', async () => {
    const created = { id: await startStreamedJob(replicas[0].client, 'TOKENS 80 25') };
    const { runner, other } = await runnerOf(created.id);
    await deltasLogged(created.id, 5);
    runner.kill('SIGTERM');
    expect(await runner.exited).toBe(0);

    const done = await finishedOn(other, created.id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(80));
    const events = await streamStored(other.url, created.id);
    expect(rebuildOutput(events)).toEqual(done.output);

    replicas.splice(replicas.indexOf(runner), 1, await start());
  });

  it('hands over on SIGTERM a polled job still waiting for its whole answer, which logs no events', async () => {
    const created = await replicas[0].client.responses.create({ model: 'stub-model', input: 'TOKENS 60 25', background: true });
    const { runner, other } = await runnerOf(created.id);
    await waitFor(async () => ((await other.client.responses.retrieve(created.id)).status === 'in_progress' ? true : undefined));
    runner.kill('SIGTERM');
    expect(await runner.exited).toBe(0);

    const done = await finishedOn(other, created.id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(60));
    expect(await adminQuery(db.url, `SELECT 1 FROM response_events WHERE response_id = $1`, [created.id])).toEqual([]);

    replicas.splice(replicas.indexOf(runner), 1, await start());
  });
});

describe('Foreground responses of a replica that dies', () => {
  jest.setTimeout(60_000);
  let db: FreshDatabase;
  let stub: StubUpstream;

  beforeAll(async () => {
    [db, stub] = await Promise.all([createFreshDatabase(), startStubUpstream()]);
  });
  afterAll(async () => {
    await stub.close();
    await db.drop();
  });

  it('are ended failed by a survivor once the dead replica has been silent for PROCESS_DEAD_AFTER_MS', async () => {
    const env = { DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, PROCESS_DEAD_AFTER_MS: '1500' };
    const [doomed, survivor] = await Promise.all([spawnServer(env), spawnServer(env)]);
    try {
      const stream = await doomed.client.responses.create({ model: 'stub-model', input: 'TOKENS 400 50', stream: true });
      const events = stream[Symbol.asyncIterator]();
      const created = (await events.next()).value as StreamEvent;
      const id = created.response.id as string;
      await events.next();
      doomed.kill('SIGKILL');
      await doomed.exited;
      const killedAt = Date.now();
      const failed = await waitFor(async () => {
        const response = await survivor.client.responses.retrieve(id);
        return response.status === 'failed' ? response : undefined;
      }, 15_000);
      // The grace and one sweep interval, with room for a slow machine; the old rule took 60 to 75 s.
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(failed.error).toMatchObject({ code: 'server_error' });
      expect((await streamStored(survivor.url, id)).at(-1)?.type).toBe('response.failed');
    } finally {
      survivor.kill('SIGKILL');
      await survivor.exited;
    }
  });
});
