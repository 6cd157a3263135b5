import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { History } from '../../common/history';
import type { InputItem, ResponseObject } from '../../common/openai/types';
import { StatementBatch } from '../../database/statement-batch';
import type { Transaction } from '../../database/transaction';
import { PROCESS_ID } from '../../liveness/process-id';
import type { Sampling } from '../runs/response-factory';
import { echoedParams, isRunning, type RawResponseRow } from './response.mapper';

export interface InputItemsPage {
  items: InputItem[];
  hasMore: boolean;
}

export interface NewResponseRow {
  tenantId: string;
  response: ResponseObject;
  inputItems: InputItem[];
  sampling: Sampling;
  lastSequenceNumber: number;
  /** Created with `stream: true` (false when left out). */
  stream?: boolean;
}

export interface StateUpdate {
  response: ResponseObject;
  lastSequenceNumber: number;
  /** The row is written only while its status is one of these (another writer may have ended it). */
  expectedStatus: string[];
}

/** A response as its tenant names it. */
export interface ResponseKey {
  tenantId: string;
  id: string;
}

export interface ListOptions {
  after?: string;
  before?: string;
  limit: number;
  order: 'asc' | 'desc';
}

const COLUMNS = `id, tenant_id, status, model, created_at, completed_at, previous_response_id, background, stream, params, output, usage, error,
  incomplete_details, last_sequence_number`;
/** COLUMNS of `responses r`, for statements that join another relation with the same column names. */
const R_COLUMNS = COLUMNS.split(/,\s*/)
  .map((column) => `r.${column}`)
  .join(', ');

/**
 * SQL for responses and their input items. Every read and write is scoped to a tenant. A foreground response
 * written as running, or set running again, names this process as the one running it (`running_on`).
 */
@Injectable()
export class ResponsesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PROCESS_ID) private readonly processId: string,
  ) {}

  /** Runs `work` in one transaction; repositories given its manager write inside it. */
  inTransaction<T>(work: (manager: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Runs `work`'s statements as one transaction in one round trip: `work` must register every statement at once,
   * none awaiting another's answer (see StatementBatch).
   */
  inOneRoundTrip<T>(work: (batch: Transaction) => Promise<T>): Promise<T> {
    return StatementBatch.run(this.dataSource, work);
  }

  /** Inserts responses with their input items in one statement (atomic), inside `manager`'s transaction if given. */
  async insertMany(rows: NewResponseRow[], manager?: Transaction): Promise<void> {
    const document = JSON.stringify(
      rows.map(({ tenantId, response, inputItems, sampling, lastSequenceNumber, stream }) => ({
        id: response.id,
        tenant_id: tenantId,
        status: response.status,
        model: response.model,
        created_at: response.created_at,
        completed_at: response.completed_at,
        previous_response_id: response.previous_response_id,
        background: response.background,
        stream: stream ?? false,
        // Sampling before the spread (see bench/HISTORY.md, "Hidden classes").
        params: { sampling, ...echoedParams(response) },
        output: response.output,
        usage: response.usage,
        error: response.error,
        incomplete_details: response.incomplete_details,
        last_sequence_number: lastSequenceNumber,
        running_on: isRunning(response.status) && !response.background ? this.processId : null,
        items: inputItems,
      })),
    );
    await (manager ?? this.dataSource).query(
      `WITH data AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id text, tenant_id text, status text, model text, created_at float8, completed_at float8,
           previous_response_id text, background boolean, stream boolean, params jsonb, output jsonb, usage jsonb, error jsonb, incomplete_details jsonb,
           last_sequence_number int, running_on text, items jsonb)
       ),
       response AS (
         INSERT INTO responses (id, tenant_id, status, model, created_at, completed_at, previous_response_id, background, stream, params, output,
                                usage, error, incomplete_details, last_sequence_number, running_on)
         SELECT id, tenant_id, status, model, to_timestamp(created_at), to_timestamp(completed_at), previous_response_id, background, stream, params,
                output, usage, error, incomplete_details, last_sequence_number, running_on
         FROM data
       )
       INSERT INTO response_input_items (response_id, position, item_id, item)
       SELECT data.id, item.ordinality - 1, item.value->>'id', item.value
       FROM data, jsonb_array_elements(data.items) WITH ORDINALITY AS item(value, ordinality)`,
      [document],
    );
  }

  /**
   * Final states of many responses in one statement (inside `manager`'s transaction if given); for each row, whether
   * it was written (see `expectedStatus`).
   */
  async updateStates(rows: StateUpdate[], manager?: Transaction): Promise<boolean[]> {
    const [updated]: [Array<{ id: string }>, number] = await (manager ?? this.dataSource).query(`${UPDATE_STATES} RETURNING responses.id`, [
      stateDocument(rows),
    ]);
    const ids = new Set(updated.map((row) => row.id));
    return rows.map((row) => ids.has(row.response.id));
  }

  /**
   * Final states of many responses in one statement, all or none: when one of them has left its `expectedStatus`,
   * the statement fails (`isNotAllWritten`), and with it the transaction or batch it is part of.
   */
  async updateStatesAllOrNone(rows: StateUpdate[], transaction: Transaction): Promise<void> {
    // Plain SQL cannot raise an error of its own: a text that is no number, cast to one, is the error. It depends on
    // the count, so that Postgres cannot fold it into a constant and fail while planning.
    await transaction.query(
      `WITH updated AS (${UPDATE_STATES} RETURNING responses.id)
       SELECT ('${NOT_ALL_WRITTEN}' || count(*))::int FROM updated HAVING count(*) <> $2::int`,
      [stateDocument(rows), rows.length],
    );
  }

  /** Moves a response from one status to another only if it is still in the first: the winner of a race is the one that gets true. */
  async claimStatus(id: string, from: string, to: string): Promise<boolean> {
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE responses SET status = $3, completed_at = CASE WHEN $3 = 'completed' THEN completed_at ELSE NULL END, updated_at = now(),
              running_on = CASE WHEN $3 IN ('queued', 'in_progress') AND NOT background THEN $4 ELSE running_on END
       WHERE id = $1 AND status = $2`,
      [id, from, to, this.processId],
    );
    return result[1] > 0;
  }

  /**
   * Moves queued responses to in_progress and reads them, in one statement for many (jobs claimed together start
   * together); answers one row per key, in order, null for a response that was no longer queued.
   */
  async startQueued(keys: ResponseKey[]): Promise<Array<RawResponseRow | null>> {
    const [rows]: [RawResponseRow[], number] = await this.dataSource.query(
      `UPDATE responses r SET status = 'in_progress', updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS k(id, tenant_id)
       WHERE r.id = k.id AND r.tenant_id = k.tenant_id AND r.status = 'queued'
       RETURNING ${R_COLUMNS}`,
      [keys.map((key) => key.id), keys.map((key) => key.tenantId)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return keys.map((key) => byId.get(key.id) ?? null);
  }

  /**
   * Foreground responses left running by a process that has not heartbeat for `deadAfterMs` (or whose row is gone);
   * a row from before process liveness (no `running_on`) when nobody touched it for a minute.
   */
  async findAbandoned(deadAfterMs: number, limit: number): Promise<RawResponseRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM responses r
       WHERE status IN ('queued', 'in_progress') AND background = false
         AND CASE WHEN running_on IS NULL THEN updated_at < now() - interval '60 seconds'
                  ELSE NOT EXISTS (SELECT 1 FROM processes p WHERE p.id = r.running_on AND p.heartbeat_at >= now() - make_interval(secs => $1::float / 1000))
             END
       ORDER BY updated_at LIMIT $2`,
      [deadAfterMs, limit],
    );
  }

  async find(tenantId: string, id: string): Promise<RawResponseRow | null> {
    const rows: RawResponseRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM responses WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    return rows[0] ?? null;
  }

  /** Whether the response exists and is still queued or in progress. */
  async isRunning(tenantId: string, id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM responses WHERE id = $1 AND tenant_id = $2 AND status IN ('queued', 'in_progress')`, [
      id,
      tenantId,
    ]);
    return rows.length > 0;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result: [unknown[], number] = await this.dataSource.query(`DELETE FROM responses WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    return result[1] > 0;
  }

  /**
   * The items of a response's chain (it and its previous responses): for each response, oldest first, its input
   * items then its output items; the newest responses only that hold at most `maxBytes` of JSON together (see
   * History). Null when the response does not exist for this tenant.
   */
  async chain(tenantId: string, id: string, maxBytes: number): Promise<History | null> {
    return (await this.chains([{ tenantId, id }], maxBytes))[0];
  }

  /**
   * The chains of many responses in one statement, one per key, in order (null for a response not found). Sizes are
   * measured in Postgres as the chain is walked, newest first, and the walk stops at the first response past
   * `maxBytes`: what is left out is never read here, and older responses are not visited at all, however long the
   * chain (an agent's session may run to many thousands of turns).
   */
  async chains(keys: ResponseKey[], maxBytes: number): Promise<Array<History | null>> {
    const size = `octet_length(r.output::text) + COALESCE((SELECT sum(octet_length(i.item::text)) FROM response_input_items i WHERE i.response_id = r.id), 0)`;
    const rows: Array<{ root: string; kept: boolean; input: InputItem[] | null; output: InputItem[] | null }> = await this.dataSource.query(
      `WITH RECURSIVE chain AS (
         SELECT k.root, r.tenant_id, r.id, r.previous_response_id, r.output, 0 AS depth, ${size} AS held
         FROM unnest($1::text[], $2::text[]) AS k(root, tenant_id) JOIN responses r ON r.id = k.root AND r.tenant_id = k.tenant_id
         UNION ALL
         SELECT chain.root, chain.tenant_id, r.id, r.previous_response_id, r.output, chain.depth + 1, chain.held + ${size}
         FROM responses r JOIN chain ON r.id = chain.previous_response_id
         WHERE r.tenant_id = chain.tenant_id AND chain.held <= $3
       )
       SELECT chain.root, chain.held <= $3 AS kept, CASE WHEN chain.held <= $3 THEN chain.output END AS output,
              CASE WHEN chain.held <= $3 THEN COALESCE((SELECT jsonb_agg(i.item ORDER BY i.position) FROM response_input_items i WHERE i.response_id = chain.id), '[]') END AS input
       FROM chain ORDER BY chain.root, chain.depth DESC`,
      [keys.map((key) => key.id), keys.map((key) => key.tenantId), maxBytes],
    );
    const byRoot = new Map<string, History>();
    for (const row of rows) {
      const history = byRoot.get(row.root) ?? { items: [], cut: false };
      if (row.kept) history.items.push(...row.input!, ...row.output!);
      else history.cut = true;
      byRoot.set(row.root, history);
    }
    return keys.map((key) => byRoot.get(key.id) ?? null);
  }

  /** Output items of the tenant's stored responses, by item id, with their size as JSON (an id not found is left out). */
  async findOutputItems(tenantId: string, itemIds: string[]): Promise<Map<string, { item: InputItem; size: number }>> {
    // responses_output_item_ids_idx finds the one row holding each id. OFFSET 0 keeps the tenant's test out of that
    // scan: otherwise the planner may AND in the tenant's index, a bitmap of every response of the tenant.
    const rows: Array<{ id: string; item: InputItem; size: number }> = await this.dataSource.query(
      `SELECT ref.id, item, octet_length(item::text) AS size FROM unnest($2::text[]) AS ref(id)
       CROSS JOIN LATERAL (SELECT tenant_id, output FROM responses WHERE jsonb_path_query_array(output, '$[*].id') ? ref.id OFFSET 0) AS r
       CROSS JOIN LATERAL jsonb_array_elements(r.output) AS item
       WHERE r.tenant_id = $1 AND item->>'id' = ref.id`,
      [tenantId, [...new Set(itemIds)]],
    );
    return new Map(rows.map(({ id, item, size }) => [id, { item, size }]));
  }

  /** One page of a response's input items; the cursor is an item id. */
  async listInputItems(responseId: string, options: ListOptions): Promise<InputItemsPage> {
    const params: unknown[] = [responseId, options.limit + 1];
    const conditions = ['i.response_id = $1'];
    for (const [cursor, op] of [
      [options.after, options.order === 'asc' ? '>' : '<'],
      [options.before, options.order === 'asc' ? '<' : '>'],
    ] as const) {
      if (!cursor) continue;
      params.push(cursor);
      conditions.push(`i.position ${op} COALESCE((SELECT position FROM response_input_items WHERE response_id = $1 AND item_id = $${params.length}), -1)`);
    }
    const rows: Array<{ item: InputItem }> = await this.dataSource.query(
      `SELECT i.item FROM response_input_items i WHERE ${conditions.join(' AND ')}
       ORDER BY i.position ${options.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $2`,
      params,
    );
    return { items: rows.slice(0, options.limit).map((row) => row.item), hasMore: rows.length > options.limit };
  }
}

/** Final states from a JSON document (`stateDocument`), each written only while its response is in an expected status. */
const UPDATE_STATES = `UPDATE responses SET status = u.status, completed_at = to_timestamp(u.completed_at), output = u.output, usage = u.usage, error = u.error,
         incomplete_details = u.incomplete_details, last_sequence_number = u.last_sequence_number, updated_at = now()
  FROM jsonb_to_recordset($1::jsonb) AS u(id text, status text, completed_at float8, output jsonb, usage jsonb, error jsonb,
                                         incomplete_details jsonb, last_sequence_number int, expected text[])
  WHERE responses.id = u.id AND responses.status = ANY(u.expected)`;

const NOT_ALL_WRITTEN = 'final states written: ';

function stateDocument(rows: StateUpdate[]): string {
  return JSON.stringify(
    rows.map(({ response, lastSequenceNumber, expectedStatus }) => ({
      id: response.id,
      status: response.status,
      completed_at: response.completed_at,
      output: response.output,
      usage: response.usage,
      error: response.error,
      incomplete_details: response.incomplete_details,
      last_sequence_number: lastSequenceNumber,
      expected: expectedStatus,
    })),
  );
}

/** Whether `error` is `updateStatesAllOrNone`'s: a final state was not written. */
export function isNotAllWritten(error: unknown): boolean {
  return (error as { code?: string }).code === '22P02' && String((error as Error).message).includes(NOT_ALL_WRITTEN);
}
