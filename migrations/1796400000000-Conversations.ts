import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations (OpenAI's Conversations API): a tenant's ordered list of items that responses created with
 * `conversation` read before their input and append to when they complete. An item's position comes from one
 * sequence for all conversations, so that concurrent appends need no counter per conversation. Item ids are not
 * unique within a conversation (a client may send the same id twice): an append never fails on one.
 */
export class Conversations1796400000000 implements MigrationInterface {
  name = 'Conversations1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE conversations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        metadata jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`
      CREATE TABLE conversation_items (
        conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position bigint GENERATED ALWAYS AS IDENTITY,
        item_id text NOT NULL,
        item jsonb NOT NULL,
        PRIMARY KEY (conversation_id, position)
      )`);
    await queryRunner.query(`CREATE INDEX conversation_items_item_idx ON conversation_items (conversation_id, item_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE conversation_items`);
    await queryRunner.query(`DROP TABLE conversations`);
  }
}
