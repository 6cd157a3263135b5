import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage per tenant, managed key (`''` for none: API_KEYS or no authentication), model and day (UTC), added to as
 * responses end, in the transaction that writes their final state.
 */
export class UsageDaily1797200000000 implements MigrationInterface {
  name = 'UsageDaily1797200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE usage_daily (
        tenant_id text NOT NULL,
        key_id text NOT NULL DEFAULT '',
        model text NOT NULL,
        day date NOT NULL,
        requests bigint NOT NULL DEFAULT 0,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        cached_tokens bigint NOT NULL DEFAULT 0,
        reasoning_tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, key_id, model, day)
      )`);
    await queryRunner.query(`CREATE INDEX usage_daily_day_idx ON usage_daily (day)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE usage_daily`);
  }
}
