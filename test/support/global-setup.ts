import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';

/**
 * One migrated database for the whole run: a fresh database on DATABASE_URL's server when it is set (dropped
 * afterwards), an embedded Postgres in a temporary folder otherwise. Test files share it; their rows never collide.
 */
export default async function globalSetup(): Promise<void> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (process.env.DATABASE_URL) {
    const name = `responses_test_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(process.env.DATABASE_URL);
    target.pathname = `/${name}`;
    url = target.toString();
    cleanup = async () => {
      const client = new Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  } else {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const embedded = await startEmbeddedPostgres({ dataDir: join(tmpdir(), `responses-test-pg-${process.pid}`), port, ephemeral: true });
    url = embedded.url;
    cleanup = () => embedded.stop();
  }
  await runMigrations(url);
  process.env.TEST_DATABASE_URL = url;
  (globalThis as { __testDatabaseCleanup__?: () => Promise<void> }).__testDatabaseCleanup__ = cleanup;
}
