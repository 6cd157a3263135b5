/**
 * Background jobs: how long a job waits on an idle queue before a worker starts it, and how fast a backlog drains.
 * Baselines from the same run: the same request in the foreground (time to first delta), and foreground stored
 * creates at the same concurrency (requests per second).
 */
import OpenAI from 'openai';
import { Client } from 'pg';

import { startStreamedJob } from '../test/support/sse';
import { inParallel } from './load';
import { type BenchProcess, canPin, startServerProcess, startStubProcess } from './processes';
import { benchClient, machine, percentile, writeSection } from './support';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 4000);
const CONCURRENCY = 256;
/** Jobs the worker drains before each measured backlog, to run warm. */
const WARM_UP = 2000;
/**
 * Streams, half of them background jobs, before the pickup is measured: code that runs once per request takes
 * thousands of requests to be optimized by V8 (see the gateway benchmark), and a deployed API and worker are warm.
 */
const PICKUP_WARM_UP = 1000;

/** Milliseconds from sending the create to the first text delta, and (background) from `queued` to `in_progress`. */
async function firstDelta(client: OpenAI, background: boolean): Promise<{ firstDeltaMs: number; pickupMs: number }> {
  const start = performance.now();
  const stream = await client.responses.create({ model: 'bench', input: 'hello', stream: true, background });
  let queuedAt = start;
  let pickupMs = 0;
  let firstDeltaMs = 0;
  for await (const event of stream) {
    if (event.type === 'response.queued') queuedAt = performance.now();
    if (event.type === 'response.in_progress' && !pickupMs) pickupMs = performance.now() - queuedAt;
    if (event.type === 'response.output_text.delta' && !firstDeltaMs) firstDeltaMs = performance.now() - start;
  }
  return { firstDeltaMs, pickupMs };
}

/** Waits until no job is queued or running. */
async function allDone(db: Client): Promise<void> {
  for (;;) {
    // Read from the partial indexes of queued and running jobs, so that watching costs Postgres little.
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'queued' OR state = 'running'`);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Resumes the paused worker on a backlog of jobs, timed as Postgres saw it: from the last moment every job of the
 * backlog was still queued (watched every 5 ms, so the start errs early) to the last final state written.
 */
async function drainRate(db: Client, ids: string[], worker: BenchProcess): Promise<number> {
  let allQueuedAt = (await db.query<{ at: string }>(`SELECT clock_timestamp()::text AS at`)).rows[0].at;
  worker.resume();
  for (;;) {
    const { rows } = await db.query<{ at: string; queued: number }>(
      `SELECT clock_timestamp()::text AS at, (SELECT count(*) FROM jobs WHERE state = 'queued')::int AS queued`,
    );
    if (rows[0].queued < ids.length) break;
    allQueuedAt = rows[0].at;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await allDone(db);
  const { rows } = await db.query<{ seconds: number }>(
    `SELECT extract(epoch FROM (SELECT max(updated_at) FROM responses WHERE id = ANY($1)) - $2::timestamptz)::float8 AS seconds`,
    [ids, allQueuedAt],
  );
  return ids.length / rows[0].seconds;
}

export async function backgroundJobs(databaseUrl: string): Promise<void> {
  const stub = await startStubProcess('1');
  // The API and the workers are processes of their own on core 0; the stub, Postgres and this load generator on core 1.
  const server = (name: string, jobConcurrency: number) =>
    startServerProcess({
      name,
      cores: '0',
      databaseUrl,
      upstream: stub,
      env: { MAX_QUEUED_JOBS: String(BACKLOG * 2), JOB_CONCURRENCY: String(jobConcurrency) },
    });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const foreground: number[] = [];
  const background: number[] = [];
  const pickups: number[] = [];
  let foregroundRate: number;
  const drainRates = { polled: 0, streamed: 0 };
  // One process serves the API without running jobs, another runs them.
  const api = await server('api', 0);
  const client = benchClient(api.url);
  let worker: BenchProcess | undefined;
  try {
    worker = await server('worker', CONCURRENCY);
    let warmed = 0;
    await inParallel(PICKUP_WARM_UP, 4, () => firstDelta(client, warmed++ % 2 === 0));
    for (let i = 0; i < RUNS; i++) {
      foreground.push((await firstDelta(client, false)).firstDeltaMs);
      const sample = await firstDelta(client, true);
      background.push(sample.firstDeltaMs);
      pickups.push(sample.pickupMs);
    }

    const started = performance.now();
    await inParallel(BACKLOG, CONCURRENCY, () => client.responses.create({ model: 'bench', input: 'hello' }));
    foregroundRate = BACKLOG / ((performance.now() - started) / 1000);

    // Polled jobs (the usual background mode) log no events; streamed ones log every event, for followers. The worker
    // drains a first batch as it is created, so that it runs warm (JIT-compiled) like a long-running one, then is
    // paused while the backlog is queued, so that it meets the whole backlog at once. The backlog is vacuumed and
    // analyzed first, as autovacuum would have done by then, so that it does not run in the middle of one drain only.
    for (const stream of [false, true]) {
      // A streamed job's client leaves its stream at once: the job runs on, its events logged.
      const create = async () =>
        stream ? startStreamedJob(client, 'hello') : (await client.responses.create({ model: 'bench', input: 'hello', background: true })).id;
      await inParallel(WARM_UP, CONCURRENCY, create);
      await allDone(db);
      worker.pause();
      const backlog: string[] = [];
      await inParallel(BACKLOG, CONCURRENCY, async () => backlog.push(await create()));
      await db.query('VACUUM (ANALYZE)');
      drainRates[stream ? 'streamed' : 'polled'] = await drainRate(db, backlog, worker);
    }
  } finally {
    await worker?.stop();
    await api.stop();
    await stub.stop();
    await db.end();
  }
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  writeSection('background-jobs', [
    `${machine()}; ${canPin ? 'API and worker processes pinned to core 0, stub + Postgres + load generator to core 1' : 'no taskset: processes not pinned'}; ` +
      `${RUNS} interleaved pairs on an idle queue after ${PICKUP_WARM_UP} streams to warm up; backlogs of ${BACKLOG} jobs (polled, then streamed) each drained by one worker process running ${CONCURRENCY} at once, warmed by ${WARM_UP} jobs before each.`,
    '',
    '| Measure | baseline | background | ratio |',
    '|---|---|---|---|',
    `| Create → first delta, p50 (baseline: foreground stream) | ${ms(percentile(foreground, 50))} | ${ms(percentile(background, 50))} | ${(percentile(background, 50) / percentile(foreground, 50)).toFixed(2)}× |`,
    `| Create → first delta, p99 (baseline: foreground stream) | ${ms(percentile(foreground, 99))} | ${ms(percentile(background, 99))} | ${(percentile(background, 99) / percentile(foreground, 99)).toFixed(2)}× |`,
    `| Pickup (\`response.queued\` → \`response.in_progress\` at the client), p50 / p99 | – | ${ms(percentile(pickups, 50))} / ${ms(percentile(pickups, 99))} | – |`,
    `| Jobs drained, polled (\`background: true\`; baseline: foreground stored creates, ${CONCURRENCY} concurrent) | ${foregroundRate.toFixed(0)} req/s | ${drainRates.polled.toFixed(0)} jobs/s | ${(drainRates.polled / foregroundRate).toFixed(2)}× |`,
    `| Jobs drained, streamed (\`background: true, stream: true\`, every event logged; same baseline) | ${foregroundRate.toFixed(0)} req/s | ${drainRates.streamed.toFixed(0)} jobs/s | ${(drainRates.streamed / foregroundRate).toFixed(2)}× |`,
  ]);
}
