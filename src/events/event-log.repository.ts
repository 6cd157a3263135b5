import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { Transaction } from '../database/transaction';
import type { EventRun } from './event-runs';
import type { SerializedEvent } from './serialized-event';

/** Notified with a response id when events of a response that others may be following are appended. */
export const EVENTS_APPENDED_CHANNEL = 'response_events_appended';

export interface AppendOptions {
  /** Wake the followers of this response on every replica. */
  notify?: boolean;
  /** Write inside this transaction. */
  manager?: Transaction;
}

/** SQL for the response_events table. */
@Injectable()
export class EventLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Appends runs of events of many responses in one statement, one row per run (inside `options.manager`'s transaction
   * if given), and wakes the followers of `notifyIds`; a run whose first sequence number is already logged is dropped,
   * and with `skipDeleted` so is a run of a response deleted meanwhile (its row would fail the statement). The rows
   * travel as one JSON document built by concatenation: each event's JSON is already written, so nothing is escaped again.
   */
  async insertRuns(runs: EventRun[], notifyIds: string[], options: { manager?: Transaction; skipDeleted?: boolean } = {}): Promise<void> {
    const document = eventRunsDocument(runs);
    await (options.manager ?? this.dataSource).query(
      `WITH inserted AS (
         INSERT INTO response_events (response_id, first_sequence_number, last_sequence_number, events)
         SELECT r, f, l, e FROM json_to_recordset($1::json) AS run(r text, f int, l int, e json)
         ${options.skipDeleted ? 'WHERE EXISTS (SELECT 1 FROM responses WHERE responses.id = run.r)' : ''}
         ON CONFLICT DO NOTHING
       )
       SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', id) FROM unnest($2::text[]) AS n(id)`,
      [document, notifyIds],
    );
  }

  /** Appends one event right after the last logged one, whatever that is now; its sequence_number is set to match. Followers are woken. */
  async appendAtEnd(responseId: string, json: string): Promise<boolean> {
    const inserted: unknown[] = await this.dataSource.query(
      `WITH inserted AS (
         INSERT INTO response_events (response_id, first_sequence_number, last_sequence_number, events)
         SELECT $1, next.n, next.n, json_build_array(jsonb_set($2::jsonb, '{sequence_number}', to_jsonb(next.n))::json)
         FROM (SELECT COALESCE(max(last_sequence_number), -1) + 1 AS n FROM response_events WHERE response_id = $1) next
         ON CONFLICT DO NOTHING RETURNING 1
       )
       SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', $1) FROM inserted`,
      [responseId, json],
    );
    return inserted.length > 0;
  }

  async lastSequenceNumber(responseId: string): Promise<number | undefined> {
    const rows: Array<{ max: number | null }> = await this.dataSource.query(
      `SELECT max(last_sequence_number) AS max FROM response_events WHERE response_id = $1`,
      [responseId],
    );
    return rows[0]?.max ?? undefined;
  }

  /** Events after `afterSequence`, in order, at most `limit` (fewer where runs overlap: each event is read once). */
  async after(responseId: string, afterSequence: number, limit: number): Promise<SerializedEvent[]> {
    const rows: Array<{ sequence_number: number; type: string; payload: string }> = await this.dataSource.query(
      `SELECT e.sequence_number, e.value->>'type' AS type, e.value::text AS payload
       FROM response_events r
       CROSS JOIN LATERAL json_array_elements(r.events) WITH ORDINALITY AS element(value, n)
       CROSS JOIN LATERAL (SELECT element.value, (element.value->>'sequence_number')::int AS sequence_number) e
       WHERE r.response_id = $1 AND r.last_sequence_number > $2 AND e.sequence_number > $2
       ORDER BY r.first_sequence_number, element.n LIMIT $3`,
      [responseId, afterSequence, limit],
    );
    const events: SerializedEvent[] = [];
    for (const row of rows) {
      if (events.length > 0 && row.sequence_number <= events[events.length - 1].sequenceNumber) continue;
      events.push({ sequenceNumber: row.sequence_number, type: row.type, json: row.payload });
    }
    return events;
  }
}

/**
 * `[{"r":id,"f":first,"l":last,"e":[events]}, …]`, joined once: each event's JSON is copied into the document once, and
 * the document is flat, so the driver reads its length without copying it again (nested joins and a template around
 * them copied every event three times).
 */
export function eventRunsDocument(runs: EventRun[]): string {
  const parts: string[] = ['['];
  for (const { responseId, events } of runs) {
    if (parts.length > 1) parts.push(',');
    parts.push(
      '{"r":',
      JSON.stringify(responseId),
      ',"f":',
      String(events[0].sequenceNumber),
      ',"l":',
      String(events[events.length - 1].sequenceNumber),
      ',"e":[',
    );
    for (let index = 0; index < events.length; index++) {
      if (index > 0) parts.push(',');
      parts.push(events[index].json);
    }
    parts.push(']}');
  }
  parts.push(']');
  return parts.join('');
}
