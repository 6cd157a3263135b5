import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventLogService } from '../events/event-log.service';
import { toResponseObject } from './response.mapper';
import { ResponseStreamBuilder } from './response-stream-builder';
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
    private readonly eventLog: EventLogService,
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
        const last = await this.eventLog.lastSequenceNumber(row.id);
        const builder = new ResponseStreamBuilder(toResponseObject(row), Math.max(last ?? -1, row.last_sequence_number), { toolCallDeltaEvents: false });
        const events = builder.fail({ code: 'server_error', message: 'The server running this response stopped before it finished.' });
        // Only the sweeper that moves the row wins; the event follows its win.
        if (await this.repository.updateState(builder.response, builder.lastSequenceNumber, ['queued', 'in_progress'])) {
          for (const event of events) await this.eventLog.appendAtEnd(row.id, event);
          swept += 1;
        }
      }
      if (swept > 0) this.logger.warn(`ended ${swept} abandoned response(s) as failed`);
      return swept;
    } catch (error) {
      this.logger.error(`sweeping abandoned responses failed: ${String(error)}`);
      return 0;
    }
  }
}
