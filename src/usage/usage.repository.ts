import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { Transaction } from '../database/transaction';

/** What one ended response adds to its tenant's usage. */
export interface UsageEntry {
  tenantId: string;
  keyId: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export const USAGE_GROUPS = ['tenant', 'key', 'model', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageRow {
  tenant?: string;
  key_id?: string | null;
  model?: string;
  day?: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
}

const GROUP_COLUMNS: Record<UsageGroup, string> = {
  tenant: 'tenant_id AS tenant',
  key: "nullif(key_id, '') AS key_id",
  model: 'model',
  day: "to_char(day, 'YYYY-MM-DD') AS day",
};

/** SQL for usage_daily. */
@Injectable()
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds entries to today's rows (UTC), in one statement, in the caller's transaction when given. */
  async add(entries: UsageEntry[], manager?: Transaction): Promise<void> {
    if (entries.length === 0) return;
    await (manager ?? this.dataSource).query(
      `INSERT INTO usage_daily AS u (tenant_id, key_id, model, day, requests, input_tokens, output_tokens, cached_tokens, reasoning_tokens)
       SELECT tenant_id, key_id, model, (now() AT TIME ZONE 'UTC')::date, count(*), sum(input), sum(output), sum(cached), sum(reasoning)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
              AS e (tenant_id, key_id, model, input, output, cached, reasoning)
        GROUP BY tenant_id, key_id, model
       ON CONFLICT (tenant_id, key_id, model, day) DO UPDATE SET
         requests = u.requests + excluded.requests,
         input_tokens = u.input_tokens + excluded.input_tokens,
         output_tokens = u.output_tokens + excluded.output_tokens,
         cached_tokens = u.cached_tokens + excluded.cached_tokens,
         reasoning_tokens = u.reasoning_tokens + excluded.reasoning_tokens`,
      [
        entries.map((entry) => entry.tenantId),
        entries.map((entry) => entry.keyId ?? ''),
        entries.map((entry) => entry.model),
        entries.map((entry) => entry.inputTokens),
        entries.map((entry) => entry.outputTokens),
        entries.map((entry) => entry.cachedTokens),
        entries.map((entry) => entry.reasoningTokens),
      ],
    );
  }

  /** Usage from `from` to `to` (days, inclusive), summed by `groupBy` (nothing: one total), for one tenant or all. */
  async report(query: { from: string; to: string; groupBy: UsageGroup[]; tenant?: string }): Promise<UsageRow[]> {
    const groups = query.groupBy.map((group) => GROUP_COLUMNS[group]);
    const keys = query.groupBy.map((_, index) => String(index + 1));
    const rows: Array<Record<string, string | null>> = await this.dataSource.query(
      `SELECT ${[...groups, ''].join(', ')}
              sum(requests)::bigint AS requests, sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
              sum(cached_tokens)::bigint AS cached_tokens, sum(reasoning_tokens)::bigint AS reasoning_tokens
         FROM usage_daily
        WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR tenant_id = $3)
        ${keys.length ? `GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}` : 'HAVING count(*) > 0'}`,
      [query.from, query.to, query.tenant ?? null],
    );
    return rows.map((row) => {
      const numbers = ['requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens'].map((name) => Number(row[name]));
      const [requests, input, output, cached, reasoning] = numbers;
      const groupsOf = Object.fromEntries(
        Object.entries(row).filter(([name]) => !['requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens'].includes(name)),
      );
      return {
        ...groupsOf,
        requests,
        input_tokens: input,
        output_tokens: output,
        cached_tokens: cached,
        reasoning_tokens: reasoning,
        total_tokens: input + output,
      };
    });
  }
}
