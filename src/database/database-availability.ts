import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';

import { ApiError } from '../common/api-error';
import { isDatabaseUnreachable, isPoolExhausted } from '../common/database-errors';
import { DATABASE_URL } from './pg-notifications';

const PROBE_EVERY_MS = 1000;
/** While it is down, the probe asks more often: clients wait no longer than they must once it is back. */
const PROBE_WHILE_DOWN_EVERY_MS = 200;
const PROBE_TIMEOUT_MS = 2000;
/** Seconds a refused client is told to wait. */
export const DATABASE_RETRY_AFTER_S = 2;

/**
 * Whether the database can be reached right now, known without asking it on every request: a probe on a
 * connection of its own answers `SELECT 1` every second, and any request that meets a connection failure marks it
 * down at once. While it is down, requests that need it are refused at once with 503 and Retry-After, before any
 * model call; once the probe answers again, everything goes on by itself.
 */
@Injectable()
export class DatabaseAvailability implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseAvailability.name);
  private reachable = true;
  private client?: Client;
  private probing = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  onApplicationBootstrap(): void {
    this.probeIn(PROBE_EVERY_MS);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.dropClient();
  }

  /** The next probe, and the ones after it (a timer that fires only when a probe is due: an idle process sleeps). */
  private probeIn(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe().finally(() => this.probeIn(this.reachable ? PROBE_EVERY_MS : PROBE_WHILE_DOWN_EVERY_MS)), ms);
    this.timer.unref();
  }

  get isReachable(): boolean {
    return this.reachable;
  }

  /** Throws the 503 a request that needs the database gets while it cannot be reached. */
  assertReachable(): void {
    if (!this.reachable) throw ApiError.databaseUnavailable(DATABASE_RETRY_AFTER_S);
  }

  /**
   * Takes note of an error some request met: a connection failure marks the database down until the probe answers.
   * A pool with no free connection does not: under load, that would refuse every request and fail /ready while the
   * database answers (the probe, on its own connection, finds a database that has stopped answering).
   */
  observe(error: unknown): void {
    if (isDatabaseUnreachable(error) && !isPoolExhausted(error)) this.setReachable(false);
  }

  /** Takes note of a write that committed: the database answers again (no need to wait for the probe). */
  observeSuccess(): void {
    this.setReachable(true);
  }

  /** @internal One probe (exposed for tests). */
  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      if (!this.client) {
        const client = new Client({ connectionString: this.url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
        client.on('error', () => void this.dropClient());
        await client.connect().catch(async (error: unknown) => {
          await client.end().catch(() => undefined);
          throw error;
        });
        this.client = client;
      }
      await this.client.query('SELECT 1');
      this.setReachable(true);
    } catch {
      this.setReachable(false);
      await this.dropClient();
    } finally {
      this.probing = false;
    }
  }

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.logger.log('the database answers again');
    else this.logger.warn('the database cannot be reached: requests that need it are refused with 503 until it answers');
    // Down: the probe asks sooner than it would have (unless not started yet, as in tests that probe by hand).
    if (!reachable && this.timer) this.probeIn(PROBE_WHILE_DOWN_EVERY_MS);
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
