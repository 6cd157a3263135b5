import { type EventRun, toEventRuns } from './event-runs';
import type { SerializedEvent } from './serialized-event';

/**
 * Writes runs of events in one statement and wakes the followers of `notifyIds`; with `skipDeleted`, drops the runs of
 * responses deleted meanwhile.
 */
export type InsertRuns = (runs: EventRun[], notifyIds: string[], skipDeleted: boolean) => Promise<void>;

/**
 * One response's events on their way to the log. They are written together with every other response's, and a
 * response's events of the last `windowMs` share one row: a stream of 50 tokens a second costs a few rows a second
 * instead of 50, for Postgres and for the heap that holds them meanwhile. Events of a response whose last write is
 * older than that (its first ones, the first token after a long wait) are written at once: a follower sees a job
 * start, or its first token, without waiting for the window.
 */
export class EventLogWriter {
  private pending: SerializedEvent[] = [];
  private written: Promise<void> = Promise.resolve();
  private lastWrittenAt = -Infinity;
  private failure?: unknown;

  constructor(
    readonly responseId: string,
    readonly notify: boolean,
    private readonly batcher: EventLogBatcher,
  ) {}

  append(events: SerializedEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) this.pending.push(event);
    this.batcher.schedule(this, performance.now() - this.lastWrittenAt >= this.batcher.windowMs);
  }

  /** Waits until everything appended so far is durable, writing what is still waiting at once. */
  async flush(): Promise<void> {
    // Events still waiting go with the next write; otherwise the last write that took any holds them all.
    await (this.pending.length > 0 ? this.batcher.writeSoon() : this.written);
    if (this.failure) throw this.failure;
  }

  /**
   * Takes the events still waiting out of the batches, for the caller to write in a transaction of its own (a run's
   * last events with its final state), once every event written before them is durable.
   */
  async handOver(): Promise<SerializedEvent[]> {
    const events = this.pending;
    this.pending = [];
    this.batcher.forget(this);
    await this.written;
    if (this.failure) throw this.failure;
    return events;
  }

  /** Events of this response were written by a statement of its own (a new response's opening, with its row): the window starts now. */
  wroteElsewhere(): void {
    this.lastWrittenAt = performance.now();
  }

  /** @internal Whether events wait for the next write. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** @internal The events waiting, handed to the write that will make them durable. */
  take(written: Promise<void>): SerializedEvent[] {
    const events = this.pending;
    this.pending = [];
    this.written = written;
    this.lastWrittenAt = performance.now();
    return events;
  }

  /** @internal */
  failed(error: unknown): void {
    this.failure ??= error;
  }
}

/**
 * Gathers the writers with events waiting and writes them all in one statement, at most one statement in flight (so
 * that each response's rows commit in order) and at most one write started per `windowMs`, unless a writer's
 * events are due at once (flushed, or the first in a window for that writer).
 */
export class EventLogBatcher {
  private readonly waiting = new Set<EventLogWriter>();
  private scheduled?: { timer: NodeJS.Timeout } | { immediate: NodeJS.Immediate };
  private lastWriteAt = -Infinity;
  private inFlight = false;
  private urgent = false;
  private next?: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly insert: InsertRuns,
    readonly windowMs: number,
  ) {}

  writer(responseId: string, notify: boolean): EventLogWriter {
    return new EventLogWriter(responseId, notify, this);
  }

  /** @internal `writer` has events waiting, `due` at once (at the end of this turn) or within the window. */
  schedule(writer: EventLogWriter, due: boolean): void {
    this.waiting.add(writer);
    if (this.inFlight) {
      this.urgent ||= due;
    } else if (due && !(this.scheduled && 'immediate' in this.scheduled)) {
      this.cancelScheduledWrite();
      this.scheduleWrite(0);
    } else if (!this.scheduled) {
      this.scheduleWrite(this.lastWriteAt + this.windowMs - performance.now());
    }
  }

  /** @internal `writer` has nothing waiting any more: an ended run's writer is not kept until the next write. */
  forget(writer: EventLogWriter): void {
    this.waiting.delete(writer);
  }

  /** @internal Resolves when the next write (started now, or as soon as the one in flight ends) has committed. */
  writeSoon(): Promise<void> {
    const next = this.nextWrite();
    if (!this.inFlight) this.write();
    else this.urgent = true;
    return next;
  }

  private nextWrite(): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.next = { promise, resolve };
    }
    return this.next.promise;
  }

  /** A write in `delayMs`; one due now waits for the end of this turn, so that the events of one tick share it. */
  private scheduleWrite(delayMs: number): void {
    this.scheduled = delayMs > 0 ? { timer: setTimeout(() => this.write(), delayMs) } : { immediate: setImmediate(() => this.write()) };
  }

  private cancelScheduledWrite(): void {
    if (this.scheduled && 'timer' in this.scheduled) clearTimeout(this.scheduled.timer);
    else if (this.scheduled) clearImmediate(this.scheduled.immediate);
    this.scheduled = undefined;
  }

  private insertBatch(batch: Array<{ writer: EventLogWriter; events: SerializedEvent[] }>, skipDeleted = false): Promise<void> {
    const runs = toEventRuns(batch.map(({ writer, events }) => ({ responseId: writer.responseId, events })));
    const notifyIds = [...new Set(batch.filter(({ writer }) => writer.notify).map(({ writer }) => writer.responseId))];
    return this.insert(runs, notifyIds, skipDeleted);
  }

  private write(): void {
    this.cancelScheduledWrite();
    this.urgent = false;
    this.lastWriteAt = performance.now();
    const written = this.nextWrite();
    const done = this.next!.resolve;
    this.next = undefined;
    // A writer whose events were handed over meanwhile has nothing left for this write.
    const writers = [...this.waiting].filter((writer) => writer.hasPending);
    this.waiting.clear();
    if (writers.length === 0) return done();
    const batch = writers.map((writer) => ({ writer, events: writer.take(written) }));
    this.inFlight = true;
    this.insertBatch(batch)
      .catch(async (error: unknown) => {
        if (!isRefusedRow(error)) return batch.forEach(({ writer }) => writer.failed(error));
        // One response's row that Postgres refuses (a value it cannot hold, or a response its owner deleted while it
        // ran) fails the whole statement: each response is written again on its own, a deleted one's events dropped,
        // so that only the owner of a bad row fails and every other stream goes on.
        for (const entry of batch) await this.insertBatch([entry], true).catch((alone: unknown) => entry.writer.failed(alone));
      })
      .finally(() => {
        this.inFlight = false;
        done();
        if (this.waiting.size === 0) return;
        // Flushed meanwhile: at once; otherwise a window after this write started (at once if it took longer).
        const wait = this.urgent ? 0 : this.lastWriteAt + this.windowMs - performance.now();
        if (wait <= 0) this.write();
        else this.scheduleWrite(wait);
      });
  }
}

/**
 * Postgres refused a row (SQLSTATE class 22, a data exception; class 23, a constraint, such as the foreign key of a
 * deleted response) rather than the statement failing as a whole.
 */
function isRefusedRow(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
