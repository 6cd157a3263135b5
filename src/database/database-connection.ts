import { resolve } from 'node:path';

import type { AppConfig } from '../config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './migrate';

export interface DatabaseConnection {
  url: string;
  /** Stops the embedded server, if this process started one. */
  close(): Promise<void>;
}

/** DATABASE_URL when set, an embedded Postgres under DATA_DIR otherwise; migrated either way. */
export async function connectDatabase(config: AppConfig, log: (line: string) => void): Promise<DatabaseConnection> {
  let connection: DatabaseConnection;
  if (config.DATABASE_URL) {
    connection = { url: config.DATABASE_URL, close: async () => undefined };
  } else {
    const dataDir = resolve(config.DATA_DIR, 'postgres');
    log(`DATABASE_URL is not set: starting the embedded Postgres in ${dataDir} on 127.0.0.1:${config.EMBEDDED_PG_PORT}`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT });
    connection = { url: embedded.url, close: () => embedded.stop() };
  }
  try {
    const applied = await runMigrations(connection.url);
    if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return connection;
}
