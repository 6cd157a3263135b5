import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How each managed key's hash was made: `scrypt` for the keys made so far, `sha256` for new ones (see managed-keys.ts).
 * The column's default is a constant for the rows that exist (no table rewrite), then dropped: a new key says its kind.
 */
export class ApiKeyHashKinds1797400000000 implements MigrationInterface {
  name = 'ApiKeyHashKinds1797400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN hash_kind text NOT NULL DEFAULT 'scrypt' CHECK (hash_kind IN ('scrypt', 'sha256'))`);
    await queryRunner.query(`ALTER TABLE api_keys ALTER COLUMN hash_kind DROP DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN hash_kind`);
  }
}
