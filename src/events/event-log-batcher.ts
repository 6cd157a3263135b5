import type { EventLogRepository } from './event-log.repository';
import type { SerializedEvent } from './serialized-event';

interface Batch {
  rows: Array<{ responseId: string; event: SerializedEvent }>;
  notify: Set<string>;
  done: Promise<void>;
  settle(error?: unknown): void;
}

/**
 * Group commit for the whole process: events of every running response queue here and go to Postgres in one
 * multi-row insert at a time, so that a thousand streams cost a few inserts per tick rather than one each. One
 * insert in flight keeps batches committed in order, which followers reading the log by sequence number rely on.
 */
export class EventLogBatcher {
  private next?: Batch;
  private writing = false;

  constructor(private readonly repository: EventLogRepository) {}

  /** Queues events; resolves once they are durable. */
  add(responseId: string, events: SerializedEvent[], notify: boolean): Promise<void> {
    const batch = (this.next ??= newBatch());
    for (const event of events) batch.rows.push({ responseId, event });
    if (notify) batch.notify.add(responseId);
    if (!this.writing) void this.drain();
    return batch.done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.next) {
      const batch = this.next;
      this.next = undefined;
      try {
        await this.repository.insertRows(batch.rows, [...batch.notify]);
        batch.settle();
      } catch (error) {
        batch.settle(error ?? new Error('event log insert failed'));
      }
    }
    this.writing = false;
  }
}

function newBatch(): Batch {
  let settle!: (error?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  // A batch nobody awaits yet must not count as an unhandled rejection.
  done.catch(() => undefined);
  return { rows: [], notify: new Set(), done, settle };
}
