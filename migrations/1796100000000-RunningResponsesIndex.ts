import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stale-response sweeper looks, every 15 seconds on every replica, for foreground responses still running: without
 * an index of those few rows that was a scan of every stored response. Built concurrently, so that a large table keeps
 * taking writes meanwhile (hence outside a transaction).
 */
export class RunningResponsesIndex1796100000000 implements MigrationInterface {
  name = 'RunningResponsesIndex1796100000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    // A concurrent build that failed leaves an invalid index behind: a retry starts from nothing.
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_running_foreground_idx`);
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY responses_running_foreground_idx ON responses (updated_at)
       WHERE status IN ('queued', 'in_progress') AND background = false`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_running_foreground_idx`);
  }
}
