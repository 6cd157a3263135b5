import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers claim queued jobs fairly across tenants (a tenant's n-th waiting job goes after every other tenant's
 * earlier turns): the claim reads each tenant's queued jobs in order from this index instead of sorting the queue.
 * Built concurrently, so that a large queue keeps taking jobs meanwhile (hence outside a transaction).
 */
export class FairJobClaims1796600000000 implements MigrationInterface {
  name = 'FairJobClaims1796600000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS jobs_queued_tenant_idx`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY jobs_queued_tenant_idx ON jobs (tenant_id, created_at) WHERE state = 'queued'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS jobs_queued_tenant_idx`);
  }
}
