import { Injectable, Logger } from '@nestjs/common';

import { retryWhileUnreachable } from '../common/database-errors';
import { GroupCommit } from '../common/group-commit';
import type { ResponseObject } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import type { Transaction } from '../database/transaction';
import { type UsageEntry, type UsageGroup, UsageRepository, type UsageRow } from './usage.repository';

/** Usage per tenant, key, model and day: what each response used, added as it ends. */
@Injectable()
export class UsageService {
  private readonly logger = new Logger(UsageService.name);
  /** Responses that store nothing add their usage on their own, a batch at a time. */
  private readonly unstored: GroupCommit<UsageEntry, void>;

  constructor(
    private readonly repository: UsageRepository,
    config: AppConfig,
  ) {
    this.unstored = new GroupCommit(async (entries) => {
      await retryWhileUnreachable(() => repository.add(entries), config.DATABASE_OUTAGE_RETRY_MS);
      return entries.map(() => undefined);
    }, 1);
  }

  /** What an ended response adds: one request, and its tokens. */
  entryOf(tenantId: string, keyId: string | undefined, response: ResponseObject): UsageEntry {
    const usage = response.usage;
    return {
      tenantId,
      keyId: keyId ?? null,
      model: response.model,
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cachedTokens: usage?.input_tokens_details?.cached_tokens ?? 0,
      reasoningTokens: usage?.output_tokens_details?.reasoning_tokens ?? 0,
    };
  }

  /** Adds the usage of responses whose final state the transaction writes. */
  add(entries: UsageEntry[], manager: Transaction): Promise<void> {
    return this.repository.add(entries, manager);
  }

  /** Adds the usage of a response that stores nothing (`store: false`). */
  addUnstored(entry: UsageEntry): void {
    this.unstored
      .add(entry)
      .catch((error: unknown) => this.logger.error(`could not add the usage of a ${entry.model} response of ${entry.tenantId}: ${String(error)}`));
  }

  report(query: { from: string; to: string; groupBy: UsageGroup[]; tenant?: string }): Promise<UsageRow[]> {
    return this.repository.report(query);
  }
}

const CSV_COLUMNS = [
  'tenant',
  'key_id',
  'model',
  'day',
  'requests',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'total_tokens',
] as const;

/** Usage rows as CSV (RFC 4180): the grouped columns, then the counts. */
export function usageCsv(rows: UsageRow[], groupBy: UsageGroup[]): string {
  const grouped = new Set<string>(groupBy.map((group) => (group === 'key' ? 'key_id' : group)));
  const columns = CSV_COLUMNS.filter((column) => !['tenant', 'key_id', 'model', 'day'].includes(column) || grouped.has(column));
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\r\n') + '\r\n';
}
