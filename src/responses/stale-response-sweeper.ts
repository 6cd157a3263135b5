import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ResponseCloser } from './response-closer';
import { ResponsesRepository } from './responses.repository';

/** How often a process marks its running responses as alive. */
const TOUCH_EVERY_MS = 15_000;
/** A response nobody touched for this long belongs to a process that died. */
const ABANDONED_AFTER_MS = 4 * TOUCH_EVERY_MS;

/**
 * Nothing half-written stays in_progress forever: each process regularly touches the stored responses it is running,
 * and ends as `failed` (with a `response.failed` event in the log) those that no live process touches any more,
 * such as the streams of a process that was killed.
 */
@Injectable()
export class StaleResponseSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StaleResponseSweeper.name);
  private readonly running = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ResponsesRepository,
    private readonly closer: ResponseCloser,
  ) {}

  /** Registers a stored response this process is running; call the returned function when it ends. */
  track(id: string): () => void {
    this.running.add(id);
    return () => this.running.delete(id);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TOUCH_EVERY_MS);
    this.timer.unref();
    void this.tick();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async tick(abandonedAfterMs = ABANDONED_AFTER_MS): Promise<number> {
    try {
      await this.repository.touch([...this.running]);
      let swept = 0;
      for (const row of await this.repository.findAbandoned(abandonedAfterMs, 100)) {
        if (this.running.has(row.id)) continue;
        if (await this.closer.fail(row, { code: 'server_error', message: 'The server running this response stopped before it finished.' })) swept += 1;
      }
      if (swept > 0) this.logger.warn(`ended ${swept} abandoned response(s) as failed`);
      return swept;
    } catch (error) {
      this.logger.error(`sweeping abandoned responses failed: ${String(error)}`);
      return 0;
    }
  }
}
