import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each conversation item's size, as the JSON text a history's bound counts (`octet_length(item::text)`), written with
 * the item: a turn then measures how far back its history goes from this column, without reading older items' JSON.
 * Items written before have none, and are measured as they are read: no rewrite of the table on upgrade, and replicas
 * still on the previous version go on adding items while others run this one.
 */
export class ConversationItemSizes1797500000000 implements MigrationInterface {
  name = 'ConversationItemSizes1797500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_items ADD COLUMN size integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_items DROP COLUMN size`);
  }
}
