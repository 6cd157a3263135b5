import { setTimeout as sleep } from 'node:timers/promises';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { isDatabaseUnreachable } from '../common/database-errors';
import { AppConfig } from '../config/app-config';
import { RetentionRepository } from './retention.repository';

/** Rows deleted per transaction: short enough that no purge holds locks a client would notice. */
const BATCH = 200;
/** A breath between batches, so that a large backlog does not crowd out the service's own writes. */
const PAUSE_MS = 20;

/**
 * Purges what has outlived RETENTION_DAYS: stored responses (with their input items, events, tool calls and jobs),
 * conversations whose last item is that old, and webhook deliveries done with. Every replica tries each
 * RETENTION_PURGE_EVERY_MS; a batch runs under the purge lock, so one replica purges at a time and the others skip.
 * A purged response is a 404, as a deleted one is.
 */
@Injectable()
export class RetentionPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RETENTION_DAYS === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.purge()
        .catch((error: unknown) => {
          if (!isDatabaseUnreachable(error)) this.logger.error(`purge: ${String(error)}`);
        })
        .finally(() => (this.running = undefined));
    }, this.config.RETENTION_PURGE_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Purges everything expired, batch by batch (or nothing, while another replica purges). Counts what it deleted. */
  async purge(): Promise<{ responses: number; conversations: number; webhooks: number }> {
    const purged = { responses: 0, conversations: 0, webhooks: 0 };
    for (const kind of ['responses', 'conversations', 'webhooks'] as const) {
      for (;;) {
        const deleted = await this.repository.purgeBatch(kind, this.config.RETENTION_DAYS, BATCH);
        if (deleted === null) return purged;
        purged[kind] += deleted;
        if (deleted < BATCH || this.stopped) break;
        await sleep(PAUSE_MS);
      }
    }
    if (purged.responses + purged.conversations + purged.webhooks > 0)
      this.logger.log(
        `purged ${purged.responses} responses, ${purged.conversations} conversations, ${purged.webhooks} webhook deliveries older than ${this.config.RETENTION_DAYS} days`,
      );
    return purged;
  }
}
