import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks of background responses. `webhook_endpoints`: the tenants' own receivers (their secrets sealed).
 * `webhook_deliveries`: the outbox, one row per event and endpoint (`deployment` for WEBHOOK_URL), written in the
 * transaction that stores the response's final state, and delivered by whichever replica claims it first.
 */
export class Webhooks1797000000000 implements MigrationInterface {
  name = 'Webhooks1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        url text NOT NULL,
        sealed_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        event_id text NOT NULL,
        endpoint text NOT NULL,
        tenant_id text NOT NULL,
        type text NOT NULL,
        response_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        state text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        delivered_at timestamptz,
        PRIMARY KEY (event_id, endpoint)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
  }
}
