import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { SerializedEvent } from './serialized-event';

/** Notified with a response id when events of a response that others may be following are appended. */
export const EVENTS_APPENDED_CHANNEL = 'response_events_appended';

export interface AppendOptions {
  /** Wake the followers of this response on every replica. */
  notify?: boolean;
  /** Write inside this transaction. */
  manager?: EntityManager;
}

/** SQL for the response_events table. */
@Injectable()
export class EventLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Appends the events of many responses in one statement (inside `manager`'s transaction if given), and wakes the
   * followers of `notifyIds`; a sequence number written twice is kept once. The rows travel as one JSON document built
   * by concatenation: each event's JSON is already written, so nothing is escaped again.
   */
  async insertRows(rows: Array<{ responseId: string; event: SerializedEvent }>, notifyIds: string[], manager?: EntityManager): Promise<void> {
    const document = `[${rows
      .map(({ responseId, event }) => `{"r":${JSON.stringify(responseId)},"s":${event.sequenceNumber},"t":${JSON.stringify(event.type)},"p":${event.json}}`)
      .join(',')}]`;
    await (manager ?? this.dataSource).query(
      `WITH inserted AS (
         INSERT INTO response_events (response_id, sequence_number, type, payload)
         SELECT r, s, t, p FROM json_to_recordset($1::json) AS e(r text, s int, t text, p json)
         ON CONFLICT DO NOTHING
       )
       SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', id) FROM unnest($2::text[]) AS n(id)`,
      [document, notifyIds],
    );
  }

  /** Appends one event right after the last logged one, whatever that is now; its sequence_number is set to match. Followers are woken. */
  async appendAtEnd(responseId: string, type: string, json: string): Promise<boolean> {
    const inserted: unknown[] = await this.dataSource.query(
      `WITH inserted AS (
         INSERT INTO response_events (response_id, sequence_number, type, payload)
         SELECT $1, next.n, $2, jsonb_set($3::jsonb, '{sequence_number}', to_jsonb(next.n))::json
         FROM (SELECT COALESCE(max(sequence_number), -1) + 1 AS n FROM response_events WHERE response_id = $1) next
         ON CONFLICT DO NOTHING RETURNING 1
       )
       SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', $1) FROM inserted`,
      [responseId, type, json],
    );
    return inserted.length > 0;
  }

  async lastSequenceNumber(responseId: string): Promise<number | undefined> {
    const rows: Array<{ max: number | null }> = await this.dataSource.query(
      `SELECT max(sequence_number) AS max FROM response_events WHERE response_id = $1`,
      [responseId],
    );
    return rows[0]?.max ?? undefined;
  }

  /** Events after `afterSequence`, in order, at most `limit`. */
  async after(responseId: string, afterSequence: number, limit: number): Promise<SerializedEvent[]> {
    const rows: Array<{ sequence_number: number; type: string; payload: string }> = await this.dataSource.query(
      `SELECT sequence_number, type, payload::text AS payload FROM response_events
       WHERE response_id = $1 AND sequence_number > $2 ORDER BY sequence_number LIMIT $3`,
      [responseId, afterSequence, limit],
    );
    return rows.map((row) => ({ sequenceNumber: row.sequence_number, type: row.type, json: row.payload }));
  }
}
