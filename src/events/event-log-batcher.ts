import { type EventRun, toEventRuns } from './event-runs';
import type { SerializedEvent } from './serialized-event';

/** Writes runs of events in one statement and wakes the followers of `notifyIds`. */
export type InsertRuns = (runs: EventRun[], notifyIds: string[]) => Promise<void>;

/**
 * One response's events on their way to the log. They are written together with every other response's, and a
 * response's events of the last `windowMs` share one row: a stream of 50 tokens a second costs a few rows a second
 * instead of 50, for Postgres and for the heap that holds them meanwhile.
 */
export class EventLogWriter {
  private pending: SerializedEvent[] = [];
  private written: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(
    readonly responseId: string,
    readonly notify: boolean,
    private readonly batcher: EventLogBatcher,
  ) {}

  append(events: SerializedEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) this.pending.push(event);
    this.batcher.schedule(this);
  }

  /** Waits until everything appended so far is durable, writing what is still waiting at once. */
  async flush(): Promise<void> {
    // Events still waiting go with the next write; otherwise the last write that took any holds them all.
    await (this.pending.length > 0 ? this.batcher.writeSoon() : this.written);
    if (this.failure) throw this.failure;
  }

  /** @internal The events waiting, handed to the write that will make them durable. */
  take(written: Promise<void>): SerializedEvent[] {
    const events = this.pending;
    this.pending = [];
    this.written = written;
    return events;
  }

  /** @internal */
  failed(error: unknown): void {
    this.failure ??= error;
  }
}

/**
 * Gathers the writers with events waiting and writes them all in one statement, at most one statement in flight (so
 * that each response's rows commit in order) and, unless a writer asks to flush, `windowMs` after the first waiting
 * event.
 */
export class EventLogBatcher {
  private readonly waiting = new Set<EventLogWriter>();
  private timer?: NodeJS.Timeout;
  private waitingSince = 0;
  private inFlight = false;
  private urgent = false;
  private next?: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly insert: InsertRuns,
    private readonly windowMs: number,
  ) {}

  writer(responseId: string, notify: boolean): EventLogWriter {
    return new EventLogWriter(responseId, notify, this);
  }

  /** @internal `writer` has events waiting. */
  schedule(writer: EventLogWriter): void {
    if (this.waiting.size === 0) this.waitingSince = performance.now();
    this.waiting.add(writer);
    if (!this.inFlight && !this.timer) this.timer = setTimeout(() => this.write(), this.windowMs);
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

  private write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.urgent = false;
    const written = this.nextWrite();
    const done = this.next!.resolve;
    this.next = undefined;
    const writers = [...this.waiting];
    this.waiting.clear();
    const runs = toEventRuns(writers.map((writer) => ({ responseId: writer.responseId, events: writer.take(written) })));
    const notifyIds = [...new Set(writers.filter((writer) => writer.notify).map((writer) => writer.responseId))];
    this.inFlight = true;
    this.insert(runs, notifyIds)
      .catch((error: unknown) => writers.forEach((writer) => writer.failed(error)))
      .finally(() => {
        this.inFlight = false;
        done();
        if (this.waiting.size === 0) return;
        // A write that took longer than the window has kept the waiting events long enough already.
        const wait = this.urgent ? 0 : Math.max(0, this.waitingSince + this.windowMs - performance.now());
        if (wait === 0) this.write();
        else this.timer = setTimeout(() => this.write(), wait);
      });
  }
}
