import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a background job's run needs from the request that made it, for the worker on any replica that runs it: the
 * credentials of its remote MCP servers (their headers), sealed by the server (see ContentSealer), never in clear;
 * the managed API key it was made with, whose usage it counts to; and the trace it was made in (W3C trace context),
 * which its run continues.
 */
export class JobRunContext1796900000000 implements MigrationInterface {
  name = 'JobRunContext1796900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN sealed_credentials text, ADD COLUMN api_key_id text, ADD COLUMN trace_context text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN sealed_credentials, DROP COLUMN api_key_id, DROP COLUMN trace_context`);
  }
}
