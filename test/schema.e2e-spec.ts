import { DataSource } from 'typeorm';

import { dataSourceOptions } from '../src/database/data-source-options';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';

/**
 * The entities are the schema's one description in code: against a database the migrations built, TypeORM's schema
 * builder finds nothing to change. (So `typeorm migration:generate` writes only what a changed entity asks for.)
 */
describe('Entities and migrations', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await createFreshDatabase();
  });
  afterAll(() => db.drop());

  it('describe the same tables, columns, keys, indexes and checks', async () => {
    const dataSource = await new DataSource(dataSourceOptions(db.url)).initialize();
    try {
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      expect(upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('give the partial indexes and the checks the same conditions (which the schema builder does not compare)', async () => {
    const dataSource = await new DataSource(dataSourceOptions(db.url)).initialize();
    try {
      for (const entity of dataSource.entityMetadatas) {
        const table = entity.tableName;
        for (const index of entity.indices.filter((i) => i.where)) {
          // Postgres writes both conditions its own way: a throwaway index with the entity's says how it reads it.
          const ours = await asPostgresWrites(
            dataSource,
            `CREATE INDEX schema_test_idx ON ${table} (${index.columns[0].databaseName}) WHERE ${index.where}`,
            `SELECT pg_get_expr(indpred, indrelid) AS text FROM pg_index WHERE indexrelid = 'schema_test_idx'::regclass`,
          );
          const [theirs] = await dataSource.query(`SELECT pg_get_expr(indpred, indrelid) AS text FROM pg_index WHERE indexrelid = $1::regclass`, [index.name]);
          expect(`${index.name}: ${theirs.text}`).toBe(`${index.name}: ${ours}`);
        }
        for (const check of entity.checks) {
          const ours = await asPostgresWrites(
            dataSource,
            `ALTER TABLE ${table} ADD CONSTRAINT schema_test_check CHECK (${check.expression}) NOT VALID`,
            `SELECT pg_get_constraintdef(oid) AS text FROM pg_constraint WHERE conname = 'schema_test_check'`,
          );
          const [theirs] = await dataSource.query(`SELECT pg_get_constraintdef(oid) AS text FROM pg_constraint WHERE conname = $1`, [check.name]);
          expect(`${check.name}: ${theirs.text}`).toBe(`${check.name}: ${ours.replace(' NOT VALID', '')}`);
        }
      }
    } finally {
      await dataSource.destroy();
    }
  });
});

/** What Postgres makes of a definition: made in a transaction that is rolled back, read by `read`. */
async function asPostgresWrites(dataSource: DataSource, define: string, read: string): Promise<string> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await runner.query(define);
    const [row] = await runner.query(read);
    return row.text as string;
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}
