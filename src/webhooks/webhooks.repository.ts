import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { Transaction } from '../database/transaction';

export const WEBHOOKS_CHANNEL = 'webhooks_due';

/** The deployment's endpoint (WEBHOOK_URL) in `webhook_deliveries.endpoint`. */
export const DEPLOYMENT_ENDPOINT = 'deployment';

export interface WebhookEvent {
  eventId: string;
  responseId: string;
  type: string;
}

export interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  sealed_secret: string;
  created_at: Date;
}

export interface DueDelivery {
  event_id: string;
  endpoint: string;
  tenant_id: string;
  type: string;
  response_id: string;
  created_at: Date;
  attempts: number;
  url: string | null;
  sealed_secret: string | null;
}

/** SQL for webhook endpoints and the deliveries outbox. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes the deliveries of `events` (one per endpoint of each response's tenant, and one for the deployment's
   * endpoint when it has one), in the caller's transaction, and wakes the dispatchers once it commits.
   */
  async record(manager: Transaction, events: WebhookEvent[], deployment: boolean): Promise<void> {
    await manager.query(
      `WITH event AS (
         SELECT e.event_id, e.response_id, e.type, r.tenant_id
           FROM unnest($1::text[], $2::text[], $3::text[]) AS e (event_id, response_id, type)
           JOIN responses r ON r.id = e.response_id
       ), rows AS (
         SELECT event.event_id, endpoint.id AS endpoint, event.tenant_id, event.type, event.response_id
           FROM event JOIN webhook_endpoints endpoint ON endpoint.tenant_id = event.tenant_id
         UNION ALL
         SELECT event.event_id, '${DEPLOYMENT_ENDPOINT}', event.tenant_id, event.type, event.response_id FROM event WHERE $4
       ), inserted AS (
         INSERT INTO webhook_deliveries (event_id, endpoint, tenant_id, type, response_id) SELECT * FROM rows RETURNING 1
       )
       SELECT pg_notify('${WEBHOOKS_CHANNEL}', '') FROM (SELECT count(*) AS n FROM inserted) i WHERE i.n > 0`,
      [events.map((event) => event.eventId), events.map((event) => event.responseId), events.map((event) => event.type), deployment],
    );
  }

  /**
   * Claims due deliveries, oldest first, at most `limit`, and none that would put more than `perEndpoint` in flight
   * at one endpoint (`inFlight` counts this replica's): one receiver that stalls cannot take every delivery's turn.
   * Each is leased for `leaseMs` (its next attempt moved past the lease, its attempts counted), so that a dispatcher
   * that dies mid-delivery leaves it to another after the lease. A replica that knows no deployment endpoint (no
   * WEBHOOK_URL) leaves its deliveries to those that do.
   */
  async claimDue(limit: number, leaseMs: number, deployment: boolean, inFlight: Map<string, number>, perEndpoint: number): Promise<DueDelivery[]> {
    const [rows]: [DueDelivery[], number] = await this.dataSource.query(
      `WITH busy AS (
         SELECT * FROM unnest($4::text[], $5::int[]) AS b (endpoint, in_flight)
       ), candidates AS (
         SELECT c.event_id, c.endpoint, c.next_attempt_at,
                coalesce(busy.in_flight, 0) + row_number() OVER (PARTITION BY c.endpoint ORDER BY c.next_attempt_at) AS place
           FROM (SELECT event_id, endpoint, next_attempt_at FROM webhook_deliveries
                  WHERE state = 'pending' AND next_attempt_at <= now() AND (endpoint <> '${DEPLOYMENT_ENDPOINT}' OR $3)
                    AND endpoint NOT IN (SELECT endpoint FROM busy WHERE in_flight >= $6)
                  ORDER BY next_attempt_at LIMIT $1 * $6) c
           LEFT JOIN busy USING (endpoint)
       ), due AS (
         -- The lock re-reads state and next_attempt_at: a delivery another replica claimed meanwhile is not taken.
         SELECT d.event_id, d.endpoint FROM webhook_deliveries d
           JOIN candidates c ON c.event_id = d.event_id AND c.endpoint = d.endpoint
          WHERE c.place <= $6 AND d.state = 'pending' AND d.next_attempt_at <= now()
          ORDER BY c.next_attempt_at LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
         FROM due LEFT JOIN webhook_endpoints e ON e.id = due.endpoint
        WHERE d.event_id = due.event_id AND d.endpoint = due.endpoint
       RETURNING d.event_id, d.endpoint, d.tenant_id, d.type, d.response_id, d.created_at, d.attempts, e.url, e.sealed_secret`,
      [limit, leaseMs, deployment, [...inFlight.keys()], [...inFlight.values()], perEndpoint],
    );
    return rows;
  }

  async delivered(eventId: string, endpoint: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), last_error = NULL WHERE event_id = $1 AND endpoint = $2`,
      [eventId, endpoint],
    );
  }

  /** A failed attempt: tried again at `retryAt`, or given up (`failed`) when there is none. */
  async attemptFailed(eventId: string, endpoint: string, error: string, retryAt: Date | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET last_error = $3, state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE state END,
              next_attempt_at = coalesce($4::timestamptz, next_attempt_at)
        WHERE event_id = $1 AND endpoint = $2`,
      [eventId, endpoint, error, retryAt],
    );
  }

  async insertEndpoint(row: { id: string; tenantId: string; url: string; sealedSecret: string }): Promise<EndpointRow> {
    const rows: EndpointRow[] = await this.dataSource.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, sealed_secret) VALUES ($1, $2, $3, $4) RETURNING *`,
      [row.id, row.tenantId, row.url, row.sealedSecret],
    );
    return rows[0];
  }

  listEndpoints(tenantId?: string): Promise<EndpointRow[]> {
    return tenantId
      ? this.dataSource.query(`SELECT * FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])
      : this.dataSource.query(`SELECT * FROM webhook_endpoints ORDER BY created_at, id`);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.dataSource.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
    return count > 0;
  }
}
