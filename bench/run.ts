/**
 * `npm run bench`: every benchmark in one run, each rewriting its section of BENCHMARKS.md. `BENCH_ONLY=a,b` runs
 * some of them (gateway, stream-persistence, background-jobs, embedded-engine).
 */
import { availableParallelism } from 'node:os';
import { backgroundJobs } from './background-jobs';
import { embeddedEngine } from './embedded-engine';
import { gateway } from './gateway';
import { pinSelf } from './processes';
import { streamPersistence } from './stream-persistence';
import { startBenchDatabase } from './support';

const BENCHMARKS: Record<string, (databaseUrl: string) => Promise<void>> = {
  gateway,
  'stream-persistence': streamPersistence,
  'background-jobs': backgroundJobs,
  'embedded-engine': embeddedEngine,
};

async function main(): Promise<void> {
  // For the gateway benchmark the load generator and Postgres (started from here) share core 1, and the gateways
  // under test get core 0; the in-process benchmarks after it get every core back.
  pinSelf('1');
  const only = process.env.BENCH_ONLY?.split(',');
  const database = await startBenchDatabase();
  try {
    for (const [name, run] of Object.entries(BENCHMARKS)) {
      if (only && !only.includes(name)) continue;
      const started = Date.now();
      if (name !== 'gateway') pinSelf(`0-${availableParallelism() - 1}`);
      await run(database.url);
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
