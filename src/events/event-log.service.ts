import { Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import { EventLogRepository } from './event-log.repository';
import type { SerializedEvent } from './serialized-event';

const REPLAY_PAGE = 500;

/**
 * Appends one response's events to the log without holding up the live stream: events queue in memory and are
 * written in batches, one insert in flight at a time (group commit). `flush()` waits until all appended are durable.
 */
export class EventLogWriter {
  private pending: SerializedEvent[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(
    private readonly responseId: string,
    private readonly repository: EventLogRepository,
  ) {}

  append(events: SerializedEvent[]): void {
    if (events.length === 0) return;
    const idle = this.pending.length === 0;
    this.pending.push(...events);
    if (idle) this.inFlight = this.inFlight.then(() => this.writeBatch());
  }

  async flush(): Promise<void> {
    while (this.pending.length > 0) await (this.inFlight = this.inFlight.then(() => this.writeBatch()));
    await this.inFlight;
    if (this.failure) throw this.failure;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.repository.insert(this.responseId, batch);
    } catch (error) {
      this.failure ??= error;
    }
  }
}

/** The event log of stored responses: batched appends and ordered replay. */
@Injectable()
export class EventLogService {
  private readonly logger = new Logger(EventLogService.name);

  constructor(private readonly repository: EventLogRepository) {}

  writer(responseId: string): EventLogWriter {
    return new EventLogWriter(responseId, this.repository);
  }

  async append(responseId: string, events: SerializedEvent[]): Promise<void> {
    await this.repository.insert(responseId, events);
  }

  /** The highest sequence number logged for a response, if any. */
  lastSequenceNumber(responseId: string): Promise<number | undefined> {
    return this.repository.lastSequenceNumber(responseId);
  }

  /** Appends a closing event after whatever the log holds now (a writer may still be racing it), retrying a lost race. */
  async appendAtEnd(responseId: string, event: SerializedEvent): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.repository.appendAtEnd(responseId, event.type, event.json)) return;
    }
    throw new Error(`could not append ${event.type} to the log of ${responseId}`);
  }

  async isLogged(responseId: string): Promise<boolean> {
    return (await this.repository.after(responseId, -1, 1)).length > 0;
  }

  /** Stored events after `afterSequence`, read page by page. */
  replay(responseId: string, afterSequence: number): Observable<SerializedEvent> {
    return new Observable<SerializedEvent>((subscriber) => {
      let cursor = afterSequence;
      let closed = false;
      const read = async () => {
        for (;;) {
          const page = await this.repository.after(responseId, cursor, REPLAY_PAGE);
          for (const event of page) {
            if (closed) return;
            subscriber.next(event);
            cursor = event.sequenceNumber;
          }
          if (page.length < REPLAY_PAGE) break;
        }
        subscriber.complete();
      };
      read().catch((error: unknown) => {
        this.logger.error(error);
        subscriber.error(error);
      });
      return () => {
        closed = true;
      };
    });
  }
}
