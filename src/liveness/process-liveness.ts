import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { PROCESS_ID } from './process-id';
import { ProcessesRepository } from './processes.repository';

/**
 * This process's heartbeat: its row in `processes` is renewed every third of PROCESS_DEAD_AFTER_MS, so that the
 * other replicas can tell it is alive; a clean shutdown removes it.
 */
@Injectable()
export class ProcessLiveness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessLiveness.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(PROCESS_ID) readonly id: string,
    private readonly repository: ProcessesRepository,
    private readonly config: AppConfig,
  ) {}

  /** Beats before the first request is served, so that what this process runs always has a live owner. */
  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(100, Math.floor(this.config.PROCESS_DEAD_AFTER_MS / 3)));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.repository.remove(this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.repository.heartbeat(this.id);
      await this.repository.forgetLongDead();
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${String(error)}`);
    }
  }
}
