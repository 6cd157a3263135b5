import 'reflect-metadata';

import { setHeapGrowth } from './common/heap-growth';
import { ConfigError, loadConfig } from './config/app-config';
import { connectDatabase, type DatabaseConnection } from './database/database-connection';
import { createServer } from './server';
import { startTracing } from './tracing/tracing';

const log = (line: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: line })}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  setHeapGrowth(config.HEAP_GROWTH_PERCENT);
  // OTEL_EXPORTER_OTLP_ENDPOINT set: spans go there (flushed at shutdown).
  const tracing = startTracing(process.env);
  // Handlers first: a signal during start-up still stops what has started (the embedded Postgres among it), in order.
  let databaseStarting: Promise<DatabaseConnection> | undefined;
  let app: Awaited<ReturnType<typeof createServer>> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await app?.close();
    await tracing?.shutdown().catch(() => undefined);
    await (await databaseStarting?.catch(() => undefined))?.close();
    process.exit(0);
  };
  // SIGHUP too (the terminal closed): Node would exit at once and leave an embedded Postgres running.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void stop(signal));

  const database = await (databaseStarting = connectDatabase(config, log));
  try {
    app = await createServer(config, database.url);
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await database.close();
    throw error;
  }
  log(`responses-server listening on http://${config.HOST}:${config.PORT} (API at /v1, docs at /docs)`);
}

main().catch((error: unknown) => {
  // A configuration that cannot work (a bad variable, a model that cannot be loaded) is the operator's to fix: its
  // message alone, and exit code 2.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
