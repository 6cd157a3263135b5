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

/** The rows of every table of the database at `url` whose text holds `text` (an id, a secret), counted by table. */
export async function tablesHolding(url: string, text: string): Promise<Record<string, number>> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const { rows: tables } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const found: Record<string, number> = {};
    for (const { table_name: table } of tables) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE t::text LIKE $1`, [`%${text}%`]);
      if (rows[0].n > 0) found[table] = rows[0].n;
    }
    return found;
  } finally {
    await db.end();
  }
}
