import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event payloads as `json` rather than `jsonb`: they are written once per token and read back whole, never queried
 * inside, so Postgres keeps the text as streamed (byte for byte, key order included) instead of building jsonb.
 */
export class EventPayloadAsJson1795650000000 implements MigrationInterface {
  name = 'EventPayloadAsJson1795650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE response_events ALTER COLUMN payload TYPE json USING payload::json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE response_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
  }
}
