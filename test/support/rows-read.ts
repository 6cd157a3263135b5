import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A connection whose reads are counted: repositories built on `dataSource` run their statements on it, and `reading`
 * tells how many rows of a table the statements of `work` read (sequential and index scans), as Postgres counts them.
 */
export interface CountedConnection {
  dataSource: DataSource;
  reading<T>(table: string, work: () => Promise<T>): Promise<{ result: T; rowsRead: number }>;
  end(): Promise<void>;
}

export async function countedConnection(url = process.env.TEST_DATABASE_URL!): Promise<CountedConnection> {
  const client = new Client({ connectionString: url });
  await client.connect();
  // The counts this backend has not yet reported: they only grow within a transaction, which reports none.
  const reads = async (table: string) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = $1`,
      [table],
    );
    return Number(rows[0]?.n ?? 0);
  };
  return {
    // As TypeORM's `query` answers a SELECT: its rows.
    dataSource: { query: async (sql: string, parameters?: unknown[]) => (await client.query(sql, parameters)).rows } as unknown as DataSource,
    reading: async (table, work) => {
      await client.query('BEGIN');
      try {
        const before = await reads(table);
        const result = await work();
        return { result, rowsRead: (await reads(table)) - before };
      } finally {
        await client.query('ROLLBACK');
      }
    },
    end: () => client.end(),
  };
}
