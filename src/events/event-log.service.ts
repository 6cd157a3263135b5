import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Observable } from 'rxjs';

import { retryWhileUnreachable } from '../common/database-errors';
import { errorForLog } from '../common/log-redaction';
import { AppConfig } from '../config/app-config';
import { PgNotifications } from '../database/pg-notifications';
import type { Transaction } from '../database/transaction';
import { type AppendOptions, EventLogRepository, EVENTS_APPENDED_CHANNEL } from './event-log.repository';
import { EventLogBatcher, type EventLogWriter } from './event-log-batcher';
import { toEventRuns } from './event-runs';
import type { SerializedEvent } from './serialized-event';

export type { EventLogWriter };

const REPLAY_PAGE = 500;
/** A follower looks at the log at least this often, for writers that do not notify (foreground streams). */
const FOLLOW_POLL_MS = 250;
/** How long a followed log may stay quiet before the follower checks that its response is still running. */
const FOLLOW_CHECK_AFTER_MS = 5000;
/** The events after which a response's stream ends. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set(['response.completed', 'response.failed', 'response.incomplete', 'response.cancelled']);

/** The sequence number a response's next event follows, from the highest logged (if any) and its row's. */
export function continuesFrom(logged: number | undefined, recorded: number): number {
  return Math.max(logged ?? -1, recorded);
}

/** The event log of stored responses: batched appends, ordered replay, and following a running response's log live. */
@Injectable()
export class EventLogService implements OnModuleInit {
  private readonly logger = new Logger(EventLogService.name);
  /** Wake-up calls of this process's followers, by response id. */
  private readonly followers = new Map<string, Set<() => void>>();

  /** Every writer's events, written in batches one at a time: followers read the log by sequence number. */
  private readonly batcher: EventLogBatcher;

  constructor(
    private readonly repository: EventLogRepository,
    private readonly notifications: PgNotifications,
    config: AppConfig,
  ) {
    // A batch waits out a short database outage (its rows are kept, the next batch gathers behind it); a row whose
    // earlier attempt committed is skipped by the insert's ON CONFLICT DO NOTHING.
    this.batcher = new EventLogBatcher(
      (runs, notifyIds, skipDeleted) => retryWhileUnreachable(() => repository.insertRuns(runs, notifyIds, { skipDeleted }), config.DATABASE_OUTAGE_RETRY_MS),
      config.EVENT_LOG_WINDOW_MS,
    );
  }

  onModuleInit(): void {
    this.notifications.listen(EVENTS_APPENDED_CHANNEL, (responseId) => {
      for (const wake of this.followers.get(responseId) ?? []) wake();
    });
  }

  /** A batching writer; with `notify`, followers on every replica are woken by each batch. */
  writer(responseId: string, options: { notify: boolean }): EventLogWriter {
    return this.batcher.writer(responseId, options.notify);
  }

  /** Appends at once (inside a transaction, and waking followers, as `options` say). */
  append(responseId: string, events: SerializedEvent[], options: AppendOptions = {}): Promise<void> {
    return this.appendAll([{ responseId, events, notify: options.notify ?? false }], options.manager);
  }

  /**
   * Appends the events of many responses in one statement (inside `manager`'s transaction if given), waking the
   * followers of those that `notify`; with `skipDeleted`, the events of a response deleted meanwhile are dropped.
   */
  async appendAll(
    entries: Array<{ responseId: string; events: SerializedEvent[]; notify: boolean }>,
    manager?: Transaction,
    skipDeleted = false,
  ): Promise<void> {
    const runs = toEventRuns(entries);
    if (runs.length === 0) return;
    const notifyIds = entries.filter((entry) => entry.notify && entry.events.length > 0).map((entry) => entry.responseId);
    await this.repository.insertRuns(runs, notifyIds, { manager, skipDeleted });
  }

  /**
   * The sequence number a response's next event follows: the highest logged, or `recorded` (its row's) when higher
   * or when nothing is logged. A process that died may have logged past what its row recorded.
   */
  async lastSequenceNumber(responseId: string, recorded: number): Promise<number> {
    return continuesFrom(await this.lastLogged(responseId), recorded);
  }

  /** The highest sequence number in a response's log; undefined when nothing is logged. */
  lastLogged(responseId: string): Promise<number | undefined> {
    return this.repository.lastSequenceNumber(responseId);
  }

  /** Appends a closing event after whatever the log holds now (a writer may still be racing it), retrying a lost race. */
  async appendAtEnd(responseId: string, event: SerializedEvent): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.repository.appendAtEnd(responseId, event.json)) return;
    }
    throw new Error(`could not append ${event.type} to the log of ${responseId}`);
  }

  async isLogged(responseId: string): Promise<boolean> {
    return (await this.lastLogged(responseId)) !== undefined;
  }

  /**
   * The log after `afterSequence`, read page by page; while `stillRunning` says the response runs, also its live
   * tail as any process appends to it. It ends when the log is read to its end and the response is not running
   * (asked when the last event read is terminal, when there was nothing to read at first, and after 5 quiet
   * seconds), so a finished response's log is simply replayed, a continuation after a terminal event is followed,
   * and a response ended or deleted without a terminal event in its log does not hold its followers forever.
   * Unsubscribing stops reading; it never affects the response. Each event is sent once `demand` resolves (the
   * reader has taken most of what was sent before), so a slow reader is served at its pace instead of buffered for.
   */
  follow(responseId: string, afterSequence: number, stillRunning: () => Promise<boolean>, demand?: () => Promise<void>): Observable<SerializedEvent> {
    return new Observable<SerializedEvent>((subscriber) => {
      let cursor = afterSequence;
      let idleSince = Date.now();
      let first = true;
      let closed = false;
      let woken = false;
      let wake: (() => void) | undefined;
      const onAppend = () => {
        woken = true;
        wake?.();
      };
      let set = this.followers.get(responseId);
      if (!set) this.followers.set(responseId, (set = new Set()));
      set.add(onAppend);
      const emit = async (page: SerializedEvent[]) => {
        for (const event of page) {
          if (demand) await demand();
          if (closed) return;
          subscriber.next(event);
          cursor = event.sequenceNumber;
        }
      };
      const read = async () => {
        while (!closed) {
          woken = false;
          const page = await this.repository.after(responseId, cursor, REPLAY_PAGE);
          await emit(page);
          if (page.length === REPLAY_PAGE) continue;
          const atTerminal = page.length > 0 && TERMINAL_EVENT_TYPES.has(page[page.length - 1].type);
          if (page.length > 0) idleSince = Date.now();
          if (atTerminal || (first && page.length === 0) || Date.now() - idleSince > FOLLOW_CHECK_AFTER_MS) {
            if (!(await stillRunning())) {
              // Whatever was appended before the response stopped running.
              await emit(await this.repository.after(responseId, cursor, REPLAY_PAGE));
              return subscriber.complete();
            }
            idleSince = Date.now();
          }
          first = false;
          if (woken || closed) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, FOLLOW_POLL_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      };
      read().catch((error: unknown) => {
        this.logger.error(errorForLog(error));
        subscriber.error(error);
      });
      return () => {
        closed = true;
        wake?.();
        set.delete(onAppend);
        if (set.size === 0) this.followers.delete(responseId);
      };
    });
  }
}
