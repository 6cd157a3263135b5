import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests and tokens per rate-limit bucket (a tenant) and minute, added to by every replica a few times a second:
 * the shared counts behind RATE_LIMIT_RPM and RATE_LIMIT_TPM. Rows older than two minutes are deleted as they go.
 */
export class RateLimitUsage1796700000000 implements MigrationInterface {
  name = 'RateLimitUsage1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rate_limit_usage (
        bucket text NOT NULL,
        minute bigint NOT NULL,
        requests bigint NOT NULL DEFAULT 0,
        tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (bucket, minute)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rate_limit_usage`);
  }
}
