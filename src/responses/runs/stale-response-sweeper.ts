import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { ResponsesRepository } from '../store/responses.repository';
import { ResponseCloser } from './response-closer';

/**
 * Nothing half-written stays in_progress forever: each foreground response names the process running it, every
 * process heartbeats (ProcessLiveness), and every process looks, every third of PROCESS_DEAD_AFTER_MS, for running
 * responses whose process has been silent for longer than that (a replica killed, its machine lost). It ends them
 * `failed`, with a `response.failed` event in the log.
 */
@Injectable()
export class StaleResponseSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StaleResponseSweeper.name);
  private readonly running = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ResponsesRepository,
    private readonly closer: ResponseCloser,
    private readonly config: AppConfig,
  ) {}

  /** Registers a stored response this process is running (never swept here); call the returned function when it ends. */
  track(id: string): () => void {
    this.running.add(id);
    return () => this.running.delete(id);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.config.PROCESS_DEAD_AFTER_MS / 3)));
    this.timer.unref();
    void this.tick();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async tick(deadAfterMs = this.config.PROCESS_DEAD_AFTER_MS): Promise<number> {
    try {
      let swept = 0;
      for (const row of await this.repository.findAbandoned(deadAfterMs, 100)) {
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
