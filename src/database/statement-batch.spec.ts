import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { createFreshDatabase, type FreshDatabase } from '../../test/support/fresh-database';
import { dataSourceOptions } from './data-source-options';
import { PreparingClient } from './preparing-client';
import { StatementBatch } from './statement-batch';

/** On real Postgres: a batch commits all or nothing, in one query, and its literals carry any text exactly. */
describe('StatementBatch', () => {
  let db: FreshDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createFreshDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    await dataSource.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL, doc jsonb, tags text[])');
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const insert = `INSERT INTO notes (id, body, doc, tags) VALUES ($1::int, $2::text, $3::jsonb, $4::text[]) RETURNING id`;

  it('runs every statement in one query, and answers each as TypeORM would', async () => {
    const queries = jest.spyOn(PreparingClient.prototype, 'query');
    const [inserted, updated] = await StatementBatch.run(dataSource, (batch) =>
      Promise.all([
        batch.query(insert, [1, 'first', '{"a":1}', ['x', 'y']]),
        batch.query(`UPDATE notes SET body = $1::text WHERE id = $2::int`, ['second', 1]),
      ]),
    );
    expect(queries).toHaveBeenCalledTimes(1);
    queries.mockRestore();
    expect(inserted).toEqual([{ id: 1 }]);
    expect(updated).toEqual([[], 1]);
    expect(await dataSource.query('SELECT body, doc, tags FROM notes WHERE id = 1')).toEqual([{ body: 'second', doc: { a: 1 }, tags: ['x', 'y'] }]);
  });

  it('commits nothing when one statement fails, and the next batch runs (its statements prepared again if need be)', async () => {
    const failing = StatementBatch.run(dataSource, (batch) =>
      Promise.all([batch.query(insert, [2, 'kept?', null, null]), batch.query(`INSERT INTO notes (id, body) VALUES ($1::int, $2::text)`, [2, 'duplicate'])]),
    );
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(await dataSource.query('SELECT id FROM notes WHERE id = 2')).toEqual([]);
    for (let id = 3; id < 7; id++) await StatementBatch.run(dataSource, (batch) => batch.query(insert, [id, `note ${id}`, null, []]));
    expect(await dataSource.query('SELECT count(*)::int AS n FROM notes WHERE id BETWEEN 3 AND 6')).toEqual([{ n: 4 }]);
  });

  it('carries hostile text exactly as a parameter would, and refuses a NUL', async () => {
    const hostile = `it's'); DROP TABLE notes; -- \\ \\' $1 $$ 😀 \u2028 "quoted"`;
    const doc = { text: hostile, nested: ["'", '\\', '\n'] };
    await StatementBatch.run(dataSource, (batch) => batch.query(insert, [10, hostile, JSON.stringify(doc), [hostile, '{', '}', ',', '"']]));
    expect(await dataSource.query('SELECT body, doc, tags FROM notes WHERE id = 10')).toEqual([{ body: hostile, doc, tags: [hostile, '{', '}', ',', '"'] }]);
    await expect(StatementBatch.run(dataSource, (batch) => batch.query(insert, [11, 'a\u0000b', null, null]))).rejects.toThrow(/NUL/);
    expect(await dataSource.query('SELECT id FROM notes WHERE id = 11')).toEqual([]);
  });

  it('gives the pool its connection back, and goes on once a backend has died', async () => {
    const pool = (dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    const [{ pid }] = (await StatementBatch.run(dataSource, (batch) => batch.query('SELECT pg_backend_pid() AS pid'))) as Array<{ pid: number }>;
    expect(pool.idleCount).toBe(pool.totalCount);
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1::int)', [pid]);
    await admin.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The batches after it run on live connections, whichever the pool hands out.
    for (let id = 30; id < 34; id++)
      await StatementBatch.run(dataSource, (batch) => batch.query(insert, [id, `after ${id}`, null, null])).catch(() => undefined);
    for (let id = 30; id < 34; id++) await StatementBatch.run(dataSource, (batch) => batch.query(insert, [id + 10, `after ${id}`, null, null]));
    expect(await dataSource.query('SELECT count(*)::int AS n FROM notes WHERE id BETWEEN 40 AND 43')).toEqual([{ n: 4 }]);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('fails every statement of a batch that gets no connection, so that its work settles', async () => {
    const closed = await new DataSource(dataSourceOptions(db.url, 1)).initialize();
    await closed.destroy();
    let statement: Promise<unknown> | undefined;
    await expect(StatementBatch.run(closed, (batch) => (statement = batch.query('SELECT 1')))).rejects.toThrow();
    await expect(statement).rejects.toThrow();
  });

  it('refuses a statement registered after the batch was sent', async () => {
    let late: Promise<unknown> | undefined;
    await StatementBatch.run(dataSource, async (batch) => {
      await batch.query(insert, [20, 'on time', null, null]);
      late = batch.query(insert, [21, 'late', null, null]);
    });
    await expect(late).rejects.toThrow(/already sent/);
  });
});
