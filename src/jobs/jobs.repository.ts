import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { Transaction } from '../database/transaction';

export const JOB_QUEUED_CHANNEL = 'jobs_queued';
export const JOB_CANCEL_CHANNEL = 'jobs_cancel';

/** What a job's run needs from the request that made it (see the JobRunContext migration). */
export interface JobRunContext {
  sealedCredentials?: string | null;
  apiKeyId?: string | null;
  /** The trace the job was made in (see currentTraceContext). */
  traceContext?: string | null;
}

export interface ClaimedJob {
  responseId: string;
  tenantId: string;
  /** How many times a worker has claimed it, this claim included. */
  attempts: number;
  cancelRequested: boolean;
  /** What the job was enqueued with to call its MCP servers, sealed. */
  sealedCredentials: string | null;
  /** The managed API key it was made with. */
  apiKeyId: string | null;
  traceContext: string | null;
}

interface ClaimedRow {
  response_id: string;
  tenant_id: string;
  attempts: number;
  cancel_requested: boolean;
  sealed_credentials: string | null;
  api_key_id: string | null;
  trace_context: string | null;
}

/** SQL for the jobs table: a queue claimed with FOR UPDATE SKIP LOCKED, held by renewable leases. */
@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Queues a job inside the caller's transaction; workers are woken when it commits. */
  async enqueue(manager: Transaction, tenantId: string, responseId: string, context: JobRunContext): Promise<void> {
    await manager.query(
      `WITH job AS (INSERT INTO jobs (response_id, tenant_id, state, sealed_credentials, api_key_id, trace_context) VALUES ($1, $2, 'queued', $3, $4, $5))
       SELECT pg_notify('${JOB_QUEUED_CHANNEL}', '')`,
      [responseId, tenantId, context.sealedCredentials ?? null, context.apiKeyId ?? null, context.traceContext ?? null],
    );
  }

  /** How many jobs wait in the queue, and for how long the oldest has. */
  async queueStats(): Promise<{ queued: number; oldestAgeSeconds: number }> {
    const rows: Array<{ queued: number; oldest: number | null }> = await this.dataSource.query(
      `SELECT count(*)::int AS queued, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM jobs WHERE state = 'queued'`,
    );
    return { queued: rows[0].queued, oldestAgeSeconds: rows[0].oldest ?? 0 };
  }

  /** Jobs waiting in the queue: all of them, and the tenant's. */
  async countQueued(tenantId: string): Promise<{ all: number; tenant: number }> {
    const rows: Array<{ all: number; tenant: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS all, count(*) FILTER (WHERE tenant_id = $1)::int AS tenant FROM jobs WHERE state = 'queued'`,
      [tenantId],
    );
    return rows[0];
  }

  /**
   * Takes up to `limit` jobs: running ones whose lease ran out (their worker died) first, then queued ones, fairly
   * across tenants: a queued job's turn is its rank among its tenant's queued jobs plus the jobs its tenant already
   * has running, so one tenant's backlog never makes another's job wait behind all of it. Jobs of equal turns go
   * oldest first. Only the first `openToAll` may be any job; the rest only a job of turn 1 (of a tenant with none
   * running): the worker keeps a place for such a job, which would otherwise wait for one of the others to end, and
   * those may run for many minutes. Expired leases are read in order from their partial index; the queue from its
   * per-tenant index.
   */
  async claim(owner: string, limit: number, leaseMs: number, openToAll = limit): Promise<ClaimedJob[]> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [ClaimedRow[], number] = await this.dataSource.query(
      `WITH expired AS (
         SELECT response_id FROM jobs WHERE state = 'running' AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ),
       running AS (SELECT tenant_id, count(*) AS n FROM jobs WHERE state = 'running' GROUP BY tenant_id),
       turns AS (
         SELECT q.response_id, q.created_at, row_number() OVER (PARTITION BY q.tenant_id ORDER BY q.created_at) + coalesce(r.n, 0) AS turn
         FROM jobs q LEFT JOIN running r USING (tenant_id) WHERE q.state = 'queued'
       ),
       candidates AS (
         SELECT response_id, turn, created_at, row_number() OVER (ORDER BY turn, created_at) AS place FROM turns ORDER BY turn, created_at LIMIT $2 * 4
       ),
       queued AS (
         SELECT j.response_id FROM jobs j JOIN candidates c USING (response_id)
         WHERE j.state = 'queued' AND (c.place <= $4 OR c.turn = 1) ORDER BY c.turn, c.created_at LIMIT $2 FOR UPDATE OF j SKIP LOCKED
       ),
       next AS (SELECT response_id FROM expired UNION ALL SELECT response_id FROM queued LIMIT $2)
       UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3::float / 1000),
                       attempts = jobs.attempts + 1, updated_at = now()
       FROM next WHERE jobs.response_id = next.response_id
       RETURNING jobs.response_id, jobs.tenant_id, jobs.attempts, jobs.cancel_requested, jobs.sealed_credentials, jobs.api_key_id, jobs.trace_context`,
      [owner, limit, leaseMs, openToAll],
    );
    return rows.map((row) => ({
      responseId: row.response_id,
      tenantId: row.tenant_id,
      attempts: row.attempts,
      cancelRequested: row.cancel_requested,
      sealedCredentials: row.sealed_credentials,
      apiKeyId: row.api_key_id,
      traceContext: row.trace_context,
    }));
  }

  /** Renews the owner's leases; answers the jobs it still holds and whether a cancel was asked for each. */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<Map<string, boolean>> {
    if (ids.length === 0) return new Map();
    const [rows]: [Array<{ response_id: string; cancel_requested: boolean }>, number] = await this.dataSource.query(
      `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3::float / 1000), updated_at = now()
       WHERE response_id = ANY($2) AND state = 'running' AND lease_owner = $1
       RETURNING response_id, cancel_requested`,
      [owner, ids, leaseMs],
    );
    return new Map(rows.map((row) => [row.response_id, row.cancel_requested]));
  }

  /** Marks the owner's jobs done. */
  async finish(owner: string, responseIds: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE response_id = ANY($1) AND lease_owner = $2`,
      [responseIds, owner],
    );
  }

  /**
   * Puts the owner's jobs back in the queue for another worker, and wakes the workers. A job handed back in good
   * order (shutdown) does not count the attempt against it; one whose run failed does.
   */
  async release(owner: string, ids: string[], countAttempt: boolean): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `WITH released AS (
         UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                         attempts = jobs.attempts - CASE WHEN $3 THEN 0 ELSE 1 END
         WHERE response_id = ANY($2) AND state = 'running' AND lease_owner = $1 RETURNING 1
       )
       SELECT pg_notify('${JOB_QUEUED_CHANNEL}', '') FROM (SELECT count(*) FROM released) r`,
      [owner, ids, countAttempt],
    );
  }

  /**
   * A cancel: a queued job is taken off the queue at once ('dequeued'); a running one is flagged and its worker
   * told ('signalled'); a finished or unknown one is left alone ('none').
   */
  async requestCancel(responseId: string): Promise<'dequeued' | 'signalled' | 'none'> {
    const rows: Array<{ previous: string }> = await this.dataSource.query(
      `WITH target AS (SELECT response_id, state FROM jobs WHERE response_id = $1 AND state <> 'done' FOR UPDATE),
       updated AS (
         UPDATE jobs SET cancel_requested = true, updated_at = now(),
                         state = CASE WHEN target.state = 'queued' THEN 'done' ELSE jobs.state END
         FROM target WHERE jobs.response_id = target.response_id
         RETURNING target.state AS previous
       )
       SELECT previous, pg_notify('${JOB_CANCEL_CHANNEL}', $1) FROM updated`,
      [responseId],
    );
    if (rows.length === 0) return 'none';
    return rows[0].previous === 'queued' ? 'dequeued' : 'signalled';
  }
}
