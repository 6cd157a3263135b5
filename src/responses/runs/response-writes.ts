import { Injectable } from '@nestjs/common';

import { isDatabaseUnreachable, retryWhileUnreachable } from '../../common/database-errors';
import { GroupCommit } from '../../common/group-commit';
import { holdsMoreText } from '../../common/text-size';
import { AppConfig } from '../../config/app-config';
import { type ConversationAppend, ConversationsService } from '../../conversations/conversations.service';
import { DatabaseAvailability } from '../../database/database-availability';
import type { Transaction } from '../../database/transaction';
import { EventLogService } from '../../events/event-log.service';
import type { SerializedEvent } from '../../events/serialized-event';
import type { UsageEntry } from '../../usage/usage.repository';
import { UsageService } from '../../usage/usage.service';
import { WebhooksService } from '../../webhooks/webhooks.service';
import { isNotAllWritten, type NewResponseRow, ResponsesRepository, type StateUpdate } from '../store/responses.repository';

/**
 * One batch in flight while the next one gathers: against four in flight, Postgres spent a quarter less CPU per
 * stored response at 2,000 creates/s, with the same latency.
 */
const IN_FLIGHT = 1;
/**
 * A write holding more text than this commits by itself, beside the batches, so that the commits of every other run
 * do not wait while Postgres reads it: a batch holding a 19 MB input held them for most of a second.
 */
const ALONE_ABOVE_CHARS = 1_000_000;

/** The end of a run whose events are logged: its events still waiting, and its terminal event. */
export interface LoggedEnd {
  /** Written in any case. */
  events: SerializedEvent[];
  /** Written only with the final state. */
  terminal: SerializedEvent;
  /** Wake the response's followers on every replica. */
  notify: boolean;
}

interface RunEnd {
  update: StateUpdate;
  log?: LoggedEnd;
  /** Added to the run's conversation only with the final state. */
  conversation?: ConversationAppend;
  /** Added to its tenant's usage only with the final state. */
  usage?: UsageEntry;
}

/** A new response's first events, logged with its row. */
export interface LoggedStart {
  events: SerializedEvent[];
  /** Wake the response's followers on every replica. */
  notify: boolean;
}

interface NewRow {
  row: NewResponseRow;
  conversation?: ConversationAppend;
  usage?: UsageEntry;
  log?: LoggedStart;
}

/**
 * The writes every run makes (its row, its final state with the end of its log and the items it adds to its
 * conversation), group-committed across concurrent runs: under load a handful of statements per tick instead of one
 * per response. A failed batch is retried row by row, so that one bad row fails only its own caller. While the
 * database cannot be reached, a batch is retried as a whole for up to DATABASE_OUTAGE_RETRY_MS.
 */
@Injectable()
export class ResponseWrites {
  private readonly inserts: GroupCommit<NewRow, Error | undefined>;
  private readonly ends: GroupCommit<RunEnd, Error | boolean>;

  constructor(
    private readonly repository: ResponsesRepository,
    private readonly eventLog: EventLogService,
    private readonly conversations: ConversationsService,
    private readonly webhooks: WebhooksService,
    private readonly usage: UsageService,
    availability: DatabaseAvailability,
    config: AppConfig,
  ) {
    const budgetMs = config.DATABASE_OUTAGE_RETRY_MS;
    // A write that commits says the database answers: requests waiting for the probe need not wait any longer.
    const committed = <T>(result: T): T => {
      availability.observeSuccess();
      return result;
    };
    const insertRows = (batch: NewRow[]) =>
      // A duplicate on a later attempt: the attempt whose answer the outage lost had committed the batch.
      retryWhileUnreachable(() => this.writeRows(batch).then(() => batch.map(() => undefined)), budgetMs, {
        duplicateMeansDone: () => batch.map(() => undefined),
      }).then(committed);
    const writeEnds = (batch: RunEnd[]) => retryWhileUnreachable(() => this.writeEnds(batch), budgetMs).then(committed);
    this.inserts = new GroupCommit((rows) => this.eachOnFailure(rows, insertRows), IN_FLIGHT);
    this.ends = new GroupCommit((ends) => {
      // Two ends of one response in a batch would race inside the statement: those go one by one.
      if (new Set(ends.map((end) => end.update.response.id)).size < ends.length) return this.oneByOne(ends, (one) => writeEnds(one));
      return this.eachOnFailure(ends, writeEnds);
    }, IN_FLIGHT);
  }

  /**
   * Inserts a response with its input items, and with it `conversation`'s items, `usage`, and the first events of its
   * log, when given.
   */
  async insert(row: NewResponseRow, extras: { conversation?: ConversationAppend; usage?: UsageEntry; log?: LoggedStart } = {}): Promise<void> {
    const entry = { row, ...extras };
    const large = holdsMoreText([row.response, row.inputItems], ALONE_ABOVE_CHARS);
    const error = await (large ? this.inserts.alone(entry) : this.inserts.add(entry));
    if (error) throw error;
  }

  /**
   * Writes a run's final state, with the end of its log when it has one. True when written; false when the response
   * had left `expectedStatus` (someone else ended it: their state and terminal event stand).
   */
  async updateState(update: StateUpdate, log?: LoggedEnd, conversation?: ConversationAppend, usage?: UsageEntry): Promise<boolean> {
    const end = { update, log, conversation, usage };
    const large = holdsMoreText([update.response, log?.events, conversation?.items], ALONE_ABOVE_CHARS);
    const result = await (large ? this.ends.alone(end) : this.ends.add(end));
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Final states, and the last events of the logged runs, commit together: whoever reads a terminal event in the log
   * can read the response as it ended, and a crash never leaves one without the other. One commit instead of three
   * one after the other (the events, the state, the terminal event) for each logged run's end. A background
   * response's webhook events go to the outbox in the same commit: a crash can delay them, never lose them.
   */
  private async writeEnds(ends: RunEnd[]): Promise<boolean[]> {
    const updates = ends.map((end) => end.update);
    if (!ends.some((end) => end.log || end.conversation || end.usage || this.webhooks.sendsWebhook(end.update.response)))
      return this.repository.updateStates(updates);
    // As a rule the run that ends a response is the one that runs it, and every final state is written: everything
    // goes in one round trip on that bet. When another party ended one of them first, the batch fails as a whole
    // and the ends are written again, each after learning whether its state was written.
    const allWritten = ends.map(() => true);
    try {
      return await this.repository.inOneRoundTrip(async (batch) => {
        await Promise.all([this.repository.updateStatesAllOrNone(updates, batch), this.writeWithStates(ends, batch, allWritten)]);
        return allWritten;
      });
    } catch (error) {
      if (!isNotAllWritten(error)) throw error;
      return this.repository.inTransaction(async (manager) => {
        const written = await this.repository.updateStates(updates, manager);
        // A response its owner deleted while it ran has no row left for its last events: they are dropped.
        await this.writeWithStates(ends, manager, written, true);
        return written;
      });
    }
  }

  /**
   * What commits with the final states: the logs' last events (the terminal one only where the state was written),
   * and for the written ones their conversation turns, webhook events and usage. Registered all at once, so that
   * they can go in one batch.
   */
  private writeWithStates(ends: RunEnd[], transaction: Transaction, written: boolean[], skipDeleted = false): Promise<unknown> {
    const logged = ends.flatMap(({ update, log }, index) =>
      log ? [{ responseId: update.response.id, events: written[index] ? [...log.events, log.terminal] : log.events, notify: log.notify }] : [],
    );
    return Promise.all([
      this.eventLog.appendAll(logged, transaction, skipDeleted),
      this.conversations.append(
        ends.flatMap((end, index) => (written[index] && end.conversation ? [end.conversation] : [])),
        transaction,
      ),
      this.webhooks.record(
        transaction,
        ends.flatMap((end, index) => (written[index] ? [end.update.response] : [])),
      ),
      this.usage.add(
        ends.flatMap((end, index) => (written[index] && end.usage ? [end.usage] : [])),
        transaction,
      ),
    ]);
  }

  private writeRows(rows: NewRow[]): Promise<void> {
    const appends = rows.flatMap((row) => (row.conversation ? [row.conversation] : []));
    const usage = rows.flatMap((row) => (row.usage ? [row.usage] : []));
    const logged = rows.flatMap(({ row, log }) => (log ? [{ responseId: row.response.id, ...log }] : []));
    if (appends.length === 0 && usage.length === 0 && logged.length === 0) return this.repository.insertMany(rows.map((row) => row.row));
    // None of them needs another's answer: they commit together in one round trip, the rows first (the others refer to them).
    return this.repository.inOneRoundTrip(async (batch) => {
      await Promise.all([
        this.repository.insertMany(
          rows.map((row) => row.row),
          batch,
        ),
        this.conversations.append(appends, batch),
        this.usage.add(usage, batch),
        this.eventLog.appendAll(logged, batch),
      ]);
    });
  }

  private async eachOnFailure<T, R>(rows: T[], write: (batch: T[]) => Promise<R[]>): Promise<Array<R | Error>> {
    try {
      return await write(rows);
    } catch (error) {
      // Unreachable for the whole retry budget: each row alone would fare no better.
      if (rows.length === 1 || isDatabaseUnreachable(error)) return rows.map(() => asError(error));
      return this.oneByOne(rows, write);
    }
  }

  private oneByOne<T, R>(rows: T[], write: (batch: T[]) => Promise<R[]>): Promise<Array<R | Error>> {
    return Promise.all(
      rows.map((row) =>
        write([row]).then(
          (results) => results[0],
          (error: unknown) => asError(error),
        ),
      ),
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
