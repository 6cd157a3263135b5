import { MigrationInterface, QueryRunner } from 'typeorm';

/** Responses, their input items and event log, tool-call state and the background job queue. Every row hangs off a tenant's response. */
export class InitialSchema1764028800000 implements MigrationInterface {
  name = 'InitialSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE responses (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        status text NOT NULL,
        model text NOT NULL,
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        previous_response_id text,
        background boolean NOT NULL DEFAULT false,
        params jsonb NOT NULL,
        output jsonb NOT NULL DEFAULT '[]',
        usage jsonb,
        error jsonb,
        incomplete_details jsonb,
        last_sequence_number integer NOT NULL DEFAULT -1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX responses_tenant_created_idx ON responses (tenant_id, created_at)`);
    await queryRunner.query(`
      CREATE TABLE response_input_items (
        response_id text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        position integer NOT NULL,
        item_id text NOT NULL,
        item jsonb NOT NULL,
        PRIMARY KEY (response_id, position)
      )`);
    await queryRunner.query(`
      CREATE TABLE response_events (
        response_id text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        sequence_number integer NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (response_id, sequence_number)
      )`);
    await queryRunner.query(`
      CREATE TABLE tool_calls (
        response_id text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        call_id text NOT NULL,
        item_id text NOT NULL,
        name text NOT NULL,
        arguments text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'completed')),
        output jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (response_id, call_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE jobs (
        response_id text PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX jobs_queued_idx ON jobs (created_at) WHERE state = 'queued'`);
    await queryRunner.query(`CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE state = 'running'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE jobs`);
    await queryRunner.query(`DROP TABLE tool_calls`);
    await queryRunner.query(`DROP TABLE response_events`);
    await queryRunner.query(`DROP TABLE response_input_items`);
    await queryRunner.query(`DROP TABLE responses`);
  }
}
