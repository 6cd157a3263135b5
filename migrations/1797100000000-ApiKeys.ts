import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys managed by the operator (`npm run keys`, the admin API): only a salted scrypt hash of each is kept; a
 * revoked key stays, with its revocation time, so that usage stays attributed to it.
 */
export class ApiKeys1797100000000 implements MigrationInterface {
  name = 'ApiKeys1797100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text,
        salt bytea NOT NULL,
        hash bytea NOT NULL,
        rpm integer,
        tpm integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
