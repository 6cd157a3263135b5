import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface UsageDelta {
  bucket: string;
  requests: number;
  tokens: number;
}

export interface MinuteUsage {
  bucket: string;
  minute: number;
  requests: number;
  tokens: number;
}

/** SQL for rate_limit_usage. */
@Injectable()
export class RateLimitUsageRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds this replica's counts of `minute` and reads every replica's totals of `buckets` for that minute and the one
   * before, in one statement; rows from before that are deleted on the way.
   */
  async exchange(minute: number, deltas: UsageDelta[], buckets: string[]): Promise<MinuteUsage[]> {
    const rows: Array<{ bucket: string; minute: string; requests: string; tokens: string }> = await this.dataSource.query(
      `WITH added AS (
         INSERT INTO rate_limit_usage (bucket, minute, requests, tokens)
         SELECT b, $1, r, t FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS d(b, r, t)
         ON CONFLICT (bucket, minute) DO UPDATE SET requests = rate_limit_usage.requests + EXCLUDED.requests, tokens = rate_limit_usage.tokens + EXCLUDED.tokens
         RETURNING bucket, minute, requests, tokens
       ),
       pruned AS (DELETE FROM rate_limit_usage WHERE minute < $1 - 1 AND bucket = ANY($5))
       SELECT bucket, minute, requests, tokens FROM added
       UNION ALL
       SELECT bucket, minute, requests, tokens FROM rate_limit_usage u
       WHERE bucket = ANY($5) AND minute IN ($1, $1 - 1) AND NOT EXISTS (SELECT 1 FROM added a WHERE a.bucket = u.bucket AND a.minute = u.minute)`,
      [minute, deltas.map((d) => d.bucket), deltas.map((d) => d.requests), deltas.map((d) => d.tokens), buckets],
    );
    return rows.map((row) => ({ bucket: row.bucket, minute: Number(row.minute), requests: Number(row.requests), tokens: Number(row.tokens) }));
  }
}
