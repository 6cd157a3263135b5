import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Explicit liveness: every server process heartbeats its row in `processes`, and a foreground response names the
 * process running it (`running_on`). A survivor ends the running responses of a process silent for longer than
 * PROCESS_DEAD_AFTER_MS, instead of waiting for the responses themselves to go stale. Rows written before this
 * migration (running_on null) keep the old rule: untouched for 60 s.
 */
export class ProcessLiveness1796500000000 implements MigrationInterface {
  name = 'ProcessLiveness1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE processes (
        id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE responses ADD COLUMN running_on text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE responses DROP COLUMN running_on`);
    await queryRunner.query(`DROP TABLE processes`);
  }
}
