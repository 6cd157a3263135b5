import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations (OpenAI's Conversations API): a tenant's ordered list of items that responses created with
 * `conversation` read before their input and add to when they complete. Items added together (a response's input and
 * output, one request's items) share an addition number, taken from one sequence for all conversations, and keep
 * their order within it: a turn stays whole even when two responses add theirs to one conversation at the same time,
 * from two replicas. Item ids are not unique within a conversation (a client may send the same id twice): adding
 * never fails on one.
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
    await queryRunner.query(`CREATE SEQUENCE conversation_additions`);
    await queryRunner.query(`
      CREATE TABLE conversation_items (
        conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        addition bigint NOT NULL,
        position integer NOT NULL,
        item_id text NOT NULL,
        item jsonb NOT NULL,
        PRIMARY KEY (conversation_id, addition, position)
      )`);
    await queryRunner.query(`CREATE INDEX conversation_items_item_idx ON conversation_items (conversation_id, item_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE conversation_items`);
    await queryRunner.query(`DROP SEQUENCE conversation_additions`);
    await queryRunner.query(`DROP TABLE conversations`);
  }
}
