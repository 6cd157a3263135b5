import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { isDatabaseUnreachable } from '../common/database-errors';
import { AppConfig } from '../config/app-config';
import { PgNotifications } from '../database/pg-notifications';
import { METRICS } from '../metrics/metrics';
import { ContentSealer } from '../secrets/content-sealer';
import { webhookHeaders } from './webhook-signature';
import { DEPLOYMENT_ENDPOINT, type DueDelivery, WEBHOOKS_CHANNEL, WebhooksRepository } from './webhooks.repository';
import { WEBHOOK_SECRET_PURPOSE } from './webhooks.service';

/** Deliveries in flight at once on a replica. */
const MAX_IN_FLIGHT = 16;
/** …to one endpoint: a receiver that stalls (until WEBHOOK_TIMEOUT_MS) holds no more of them than this. */
const MAX_IN_FLIGHT_PER_ENDPOINT = 4;
/** Safety net for lost notifications and for retries coming due. */
const POLL_EVERY_MS = 1000;
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 3_600_000;

/**
 * Delivers the webhooks outbox from any replica: claims due deliveries (woken by NOTIFY, polling as a fallback),
 * POSTs each event signed as Standard Webhooks, and retries a failed one with exponential back-off until
 * WEBHOOK_MAX_AGE_MS after its event. A claim is a lease: deliveries of a replica that died are claimed again after
 * it, so every event reaches each endpoint at least once, under one `webhook-id`. Deliveries run side by side, each
 * freeing its place as it ends, and each endpoint has at most a few of the places: a receiver that never answers
 * delays only its own deliveries.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private stopped = false;
  private wake?: () => void;
  /** A wake that came while the loop was not asleep: its next sleep ends at once. */
  private woken = false;
  private loop?: Promise<void>;
  /** Deliveries under way, by endpoint. */
  private readonly inFlight = new Map<string, number>();
  private readonly delivering = new Set<Promise<void>>();
  private unlisten?: () => void;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly notifications: PgNotifications,
    private readonly sealer: ContentSealer,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.unlisten = this.notifications.listen(WEBHOOKS_CHANNEL, () => this.wakeUp());
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.wakeUp();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const places = MAX_IN_FLIGHT - this.delivering.size;
      let claimed = 0;
      if (places > 0) {
        try {
          const leaseMs = this.config.WEBHOOK_TIMEOUT_MS * 2;
          const due = await this.repository.claimDue(places, leaseMs, this.config.WEBHOOK_URL !== undefined, this.inFlight, MAX_IN_FLIGHT_PER_ENDPOINT);
          claimed = due.length;
          for (const delivery of due) this.start(delivery);
        } catch (error) {
          if (!isDatabaseUnreachable(error)) this.logger.error(`webhook deliveries: ${String(error)}`);
        }
      }
      // Every place taken, or nothing more due that may be taken now: until a delivery ends, a NOTIFY, or the poll.
      if (places === 0 || claimed < places) await this.sleep(POLL_EVERY_MS);
    }
    await Promise.all(this.delivering);
  }

  private start(delivery: DueDelivery): void {
    const { endpoint } = delivery;
    this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 0) + 1);
    const delivering: Promise<void> = this.deliver(delivery)
      .catch((error: unknown) => {
        if (!isDatabaseUnreachable(error)) this.logger.error(`webhook delivery ${delivery.event_id}: ${String(error)}`);
      })
      .finally(() => {
        const left = this.inFlight.get(endpoint)! - 1;
        if (left === 0) this.inFlight.delete(endpoint);
        else this.inFlight.set(endpoint, left);
        this.delivering.delete(delivering);
        this.wakeUp();
      });
    this.delivering.add(delivering);
  }

  private wakeUp(): void {
    this.woken = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.woken = false;
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async deliver(delivery: DueDelivery): Promise<void> {
    const target = this.targetOf(delivery);
    if (!target) return this.repository.attemptFailed(delivery.event_id, delivery.endpoint, 'The endpoint no longer exists.', null);
    const body = JSON.stringify({
      id: delivery.event_id,
      object: 'event',
      created_at: Math.floor(new Date(delivery.created_at).getTime() / 1000),
      type: delivery.type,
      data: { id: delivery.response_id },
    });
    let failure: string;
    try {
      const answer = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'responses-server webhooks', ...webhookHeaders(target.secret, delivery.event_id, body) },
        body,
        signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS),
        redirect: 'manual',
      });
      await answer.body?.cancel();
      if (answer.status >= 200 && answer.status < 300) {
        METRICS.webhookDeliveries.inc({ outcome: 'delivered' });
        return await this.repository.delivered(delivery.event_id, delivery.endpoint);
      }
      failure = `HTTP ${answer.status}`;
    } catch (error) {
      failure =
        (error as Error).name === 'TimeoutError' ? `no answer within ${this.config.WEBHOOK_TIMEOUT_MS} ms` : `unreachable (${(error as Error).message})`;
    }
    const retryAt = this.retryAt(delivery);
    METRICS.webhookDeliveries.inc({ outcome: retryAt ? 'failed' : 'given_up' });
    if (!retryAt) this.logger.warn(`webhook ${delivery.event_id} to ${delivery.endpoint} given up after ${delivery.attempts} attempts: ${failure}`);
    await this.repository.attemptFailed(delivery.event_id, delivery.endpoint, failure, retryAt);
  }

  /** When to try again: the base delay doubled with each attempt (with jitter), unless that is past the event's age limit. */
  private retryAt(delivery: DueDelivery): Date | null {
    const backoff = Math.min(this.config.WEBHOOK_RETRY_BASE_MS * 2 ** (delivery.attempts - 1), MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
    const at = Date.now() + backoff;
    return at - new Date(delivery.created_at).getTime() > this.config.WEBHOOK_MAX_AGE_MS ? null : new Date(at);
  }

  private targetOf(delivery: DueDelivery): { url: string; secret: string } | undefined {
    if (delivery.endpoint === DEPLOYMENT_ENDPOINT) {
      return this.config.WEBHOOK_URL && this.config.WEBHOOK_SECRET ? { url: this.config.WEBHOOK_URL, secret: this.config.WEBHOOK_SECRET } : undefined;
    }
    const secret = delivery.sealed_secret && this.sealer.open(delivery.tenant_id, WEBHOOK_SECRET_PURPOSE, delivery.sealed_secret);
    return delivery.url && secret ? { url: delivery.url, secret } : undefined;
  }
}
