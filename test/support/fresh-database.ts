import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { runMigrations } from '../../src/database/migrate';

export interface FreshDatabase {
  url: string;
  drop: () => Promise<void>;
}

/**
 * A database of its own on the test server, migrated: for tests whose servers run background jobs, which any
 * server on the same database may claim.
 */
export function createFreshDatabase(): Promise<FreshDatabase> {
  return createDatabaseOn(process.env.TEST_DATABASE_URL!);
}

/** A new migrated database on the server `base` points at. */
export async function createDatabaseOn(base: string): Promise<FreshDatabase> {
  const name = `responses_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const target = new URL(base);
  target.pathname = `/${name}`;
  const url = target.toString();
  await runMigrations(url);
  return { url, drop: async () => void (await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** One query on its own connection. */
export async function adminQuery<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
