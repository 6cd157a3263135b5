import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { connectDatabase, type DatabaseConnection } from './database/database-connection';
import { createServer } from './server';

const log = (line: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: line })}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  const database: DatabaseConnection = await connectDatabase(config, log);
  let app: Awaited<ReturnType<typeof createServer>>;
  try {
    app = await createServer(config, database.url);
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await database.close();
    throw error;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  log(`responses-server listening on http://${config.HOST}:${config.PORT} (API at /v1, docs at /docs)`);
}

main().catch((error: unknown) => {
  // A configuration that cannot work (a bad variable, a model that cannot be loaded) is the operator's to fix: its
  // message alone, and exit code 2.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
