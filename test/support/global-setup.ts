import { runMigrations } from '../../src/database/migrate';
import { startEphemeralPostgres } from './ephemeral-postgres';
import { createDatabaseOn, type FreshDatabase } from './fresh-database';

/**
 * One migrated database for the whole run: a fresh database on DATABASE_URL's server when it is set (dropped
 * afterwards), an embedded Postgres in a temporary folder otherwise. Test files share it; their rows never collide.
 */
export default async function globalSetup(): Promise<void> {
  let database: FreshDatabase;
  if (process.env.DATABASE_URL) {
    database = await createDatabaseOn(process.env.DATABASE_URL);
  } else {
    const embedded = await startEphemeralPostgres('responses-test-pg');
    await runMigrations(embedded.url);
    database = { url: embedded.url, drop: () => embedded.stop() };
  }
  process.env.TEST_DATABASE_URL = database.url;
  (globalThis as { __testDatabaseCleanup__?: () => Promise<void> }).__testDatabaseCleanup__ = database.drop;
}
