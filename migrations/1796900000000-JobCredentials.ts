import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credentials a background response's remote MCP servers are called with (their headers), sealed by the
 * server (see ContentSealer): a worker on any replica opens them to run the job. Never kept in clear.
 */
export class JobCredentials1796900000000 implements MigrationInterface {
  name = 'JobCredentials1796900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN sealed_credentials text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN sealed_credentials`);
  }
}
