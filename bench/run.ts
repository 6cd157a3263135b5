/**
 * `npm run bench`: every benchmark in one run, each rewriting its section of BENCHMARKS.md. `BENCH_ONLY=a,b` runs
 * some of them (ratios, gateway, stream-persistence, background-jobs, embedded-engine, hardening).
 * `npm run bench -- --quick`: the ratios of the targets only, measured shorter (under 2 minutes), printed and not
 * written: a regression guard. `npm run bench:node24` (with the same options) runs the ratios (by default) on Node.js 24,
 * the Docker image's, every process of the run included.
 */
import { availableParallelism } from 'node:os';

import { Client } from 'pg';

import { backgroundJobs } from './background-jobs';
import { embeddedEngine } from './embedded-engine';
import { gateway } from './gateway';
import { hardening } from './hardening';
import { pinSelf } from './processes';
import { ratios } from './ratios';
import { streamPersistence } from './stream-persistence';
import { machine, measureMachine, startBenchDatabase, watchSteal, writeSection } from './support';

const BENCHMARKS: Record<string, (databaseUrl: string) => Promise<void>> = {
  // A table per Node.js line: `npm run bench` measures on the machine's, `npm run bench:node24` on the image's.
  ratios: async (databaseUrl) =>
    writeSection(`ratios-node${process.versions.node.split('.')[0]}`, [`${machine()}.`, '', ...(await ratios(databaseUrl, false))]),
  gateway,
  'stream-persistence': streamPersistence,
  'background-jobs': backgroundJobs,
  'embedded-engine': embeddedEngine,
  hardening,
};

/** The benchmarks that start the server as processes of its own, pinned apart from the load generator. */
const OF_PROCESSES = new Set(['ratios', 'gateway', 'background-jobs', 'hardening']);

async function main(): Promise<void> {
  // Postgres (started from here) stays on core 1. For the benchmarks of server processes the load generator shares
  // core 1 with it, and the servers under test get core 0; the in-process benchmarks get every core.
  pinSelf('1');
  await measureMachine();
  const quick = process.argv.includes('--quick');
  const only = quick ? ['quick'] : process.env.BENCH_ONLY?.split(',');
  const database = await startBenchDatabase();
  try {
    if (quick) {
      const started = Date.now();
      watchSteal();
      const table = await ratios(database.url, true);
      console.log([`${machine()}; quick run (${((Date.now() - started) / 1000).toFixed(0)} s).`, '', ...table].join('\n'));
    }
    for (const [name, run] of Object.entries(BENCHMARKS)) {
      if (only && !only.includes(name)) continue;
      const started = Date.now();
      pinSelf(OF_PROCESSES.has(name) ? '1' : `0-${availableParallelism() - 1}`);
      await quietDatabase(database.url);
      watchSteal();
      await run(database.url);
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await database.stop();
  }
}

/**
 * Each benchmark starts from a quiet Postgres: what the one before wrote is vacuumed and checkpointed now, not by
 * autovacuum and the checkpointer in the middle of the next one's measurements.
 */
async function quietDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
    // CHECKPOINT needs a superuser (or pg_checkpoint): the embedded server's user is one, a DATABASE_URL's may not be.
    await client.query('CHECKPOINT').catch(() => undefined);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
