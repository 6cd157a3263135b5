import type { SerializedEvent } from './serialized-event';

/** Consecutive events of one response, logged as one row. */
export interface EventRun {
  responseId: string;
  events: SerializedEvent[];
}

/**
 * Gathers what a batch appends into runs: each response's events in the order appended, in one run as long as each
 * sequence number follows the one before (a gap or a repeat starts a new run, so a row never claims events it
 * does not hold).
 */
export function toEventRuns(appended: ReadonlyArray<{ responseId: string; events: SerializedEvent[] }>): EventRun[] {
  const runs: EventRun[] = [];
  const latest = new Map<string, EventRun>();
  for (const { responseId, events } of appended) {
    for (const event of events) {
      const run = latest.get(responseId);
      if (run && event.sequenceNumber === run.events[run.events.length - 1].sequenceNumber + 1) {
        run.events.push(event);
      } else {
        const started = { responseId, events: [event] };
        runs.push(started);
        latest.set(responseId, started);
      }
    }
  }
  return runs;
}
