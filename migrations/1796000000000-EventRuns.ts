import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per run of consecutive events of a response (what one group commit wrote for it) instead of one per event:
 * a job or a burst of tokens logs in one row, so Postgres writes one tuple, one index entry and one row header per
 * batch rather than per token. The events stay exactly as they went out, as a `json` array (text kept as written).
 */
export class EventRuns1796000000000 implements MigrationInterface {
  name = 'EventRuns1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE response_events RENAME COLUMN sequence_number TO first_sequence_number`);
    await queryRunner.query(`ALTER TABLE response_events RENAME COLUMN payload TO events`);
    await queryRunner.query(`ALTER TABLE response_events ADD COLUMN last_sequence_number integer`);
    await queryRunner.query(`UPDATE response_events SET last_sequence_number = first_sequence_number, events = json_build_array(events)`);
    await queryRunner.query(`ALTER TABLE response_events ALTER COLUMN last_sequence_number SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE response_events ADD CONSTRAINT response_events_run CHECK (last_sequence_number >= first_sequence_number)`);
    await queryRunner.query(`ALTER TABLE response_events DROP COLUMN type`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TEMPORARY TABLE single_events AS
      SELECT r.response_id, (e.value->>'sequence_number')::int AS sequence_number, e.value->>'type' AS type, e.value AS payload, r.created_at
      FROM response_events r CROSS JOIN LATERAL json_array_elements(r.events) AS e(value)`);
    await queryRunner.query(`DELETE FROM response_events`);
    await queryRunner.query(`ALTER TABLE response_events DROP CONSTRAINT response_events_run`);
    await queryRunner.query(`ALTER TABLE response_events DROP COLUMN last_sequence_number`);
    await queryRunner.query(`ALTER TABLE response_events ADD COLUMN type text`);
    await queryRunner.query(`ALTER TABLE response_events RENAME COLUMN events TO payload`);
    await queryRunner.query(`ALTER TABLE response_events RENAME COLUMN first_sequence_number TO sequence_number`);
    await queryRunner.query(`
      INSERT INTO response_events (response_id, sequence_number, type, payload, created_at)
      SELECT response_id, sequence_number, type, payload, created_at FROM single_events ON CONFLICT DO NOTHING`);
    await queryRunner.query(`DROP TABLE single_events`);
    await queryRunner.query(`ALTER TABLE response_events ALTER COLUMN type SET NOT NULL`);
  }
}
