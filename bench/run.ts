/** `npm run bench`: every benchmark in one run, each rewriting its section of BENCHMARKS.md. */
import { backgroundJobs } from './background-jobs';
import { embeddedEngine } from './embedded-engine';
import { streamPersistence } from './stream-persistence';
import { startBenchDatabase } from './support';

async function main(): Promise<void> {
  const database = await startBenchDatabase();
  try {
    await streamPersistence(database.url);
    await backgroundJobs(database.url);
    await embeddedEngine(database.url);
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
