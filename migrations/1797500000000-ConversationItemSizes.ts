import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each conversation item's size, as the JSON text a history's bound counts (`octet_length(item::text)`), written with
 * the item: a turn then measures how far back its history goes from this column, without reading older items' JSON.
 */
export class ConversationItemSizes1797500000000 implements MigrationInterface {
  name = 'ConversationItemSizes1797500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_items ADD COLUMN size integer`);
    await queryRunner.query(`UPDATE conversation_items SET size = octet_length(item::text)`);
    await queryRunner.query(`ALTER TABLE conversation_items ALTER COLUMN size SET NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_items DROP COLUMN size`);
  }
}
