import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An `item_reference` input item names an output item of a stored response by its id alone. This index holds the
 * ids of each response's output items (one entry per item, not its text), so that finding one is a lookup and not
 * a scan of every stored output. Built concurrently, so that a large table keeps taking writes meanwhile.
 */
export class OutputItemIdsIndex1796300000000 implements MigrationInterface {
  name = 'OutputItemIdsIndex1796300000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    // A concurrent build that failed leaves an invalid index behind: a retry starts from nothing.
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_output_item_ids_idx`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY responses_output_item_ids_idx ON responses USING gin (jsonb_path_query_array(output, '$[*].id'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_output_item_ids_idx`);
  }
}
