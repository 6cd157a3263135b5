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
    // fastupdate off: a row adds one to three keys, cheap to place at once, and no insert ever pays for merging a
    // pending list (a latency spike). In a bare insert loop the index cost 2-20 % of the inserts per second.
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY responses_output_item_ids_idx ON responses USING gin (jsonb_path_query_array(output, '$[*].id')) WITH (fastupdate = off)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS responses_output_item_ids_idx`);
  }
}
