import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a response was created with `stream: true`. A background response's events are logged, and it can be
 * streamed while it runs, only then (as with OpenAI's background mode); its worker reads this flag. Responses that
 * already have logged events were streamed, or were background responses run before this flag existed (all logged).
 */
export class ResponseStreamFlag1796200000000 implements MigrationInterface {
  name = 'ResponseStreamFlag1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE responses ADD COLUMN stream boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`UPDATE responses r SET stream = true WHERE EXISTS (SELECT 1 FROM response_events e WHERE e.response_id = r.id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE responses DROP COLUMN stream`);
  }
}
