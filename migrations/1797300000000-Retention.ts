import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the retention purge reads: responses by age, conversations by age and by when their last item was added.
 * The indexes are built concurrently, so that a large table keeps taking writes meanwhile (hence outside a
 * transaction); the column's default is a constant for the rows that exist (no table rewrite).
 */
export class Retention1797300000000 implements MigrationInterface {
  name = 'Retention1797300000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_items ADD COLUMN IF NOT EXISTS added_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_created_idx`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY responses_created_idx ON responses (created_at)`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS conversations_created_idx`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY conversations_created_idx ON conversations (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS conversations_created_idx`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_created_idx`);
    await queryRunner.query(`ALTER TABLE conversation_items DROP COLUMN IF EXISTS added_at`);
  }
}
