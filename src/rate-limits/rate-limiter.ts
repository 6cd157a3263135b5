import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { RateLimitUsageRepository, type UsageDelta } from './rate-limit-usage.repository';
import { estimate, secondsUntilBelow, secondsUntilReset, type WindowCounts } from './sliding-window';

/** How often each replica adds its counts to the shared ones and reads everyone's. */
const SYNC_EVERY_MS = 250;
/** A bucket nobody used for this long is forgotten by this replica. */
const FORGET_AFTER_MS = 180_000;

/** A caller's limits per minute; undefined: none of that kind. */
export interface Limits {
  rpm?: number;
  tpm?: number;
}

/** OpenAI's rate-limit headers for one answer. */
export type RateLimitHeaders = Record<string, string>;

/** What admitting a request decided: the headers its answer carries, and the 429 when it is refused. */
export interface Admission {
  headers: RateLimitHeaders;
  refused?: ApiError;
}

interface Bucket {
  minute: number;
  /** Every replica's counts as last read (this one's included up to its last exchange). */
  shared: { current: UsageDelta; previous: UsageDelta };
  /** This replica's counts not yet exchanged, and those in the exchange under way. */
  pending: UsageDelta;
  sending: UsageDelta;
  usedAt: number;
}

/**
 * Per-tenant limits of requests and tokens per minute (RATE_LIMIT_RPM / RATE_LIMIT_TPM, or a key's own), shared by
 * every replica through Postgres: each replica counts locally and, four times a second, adds its counts to the
 * shared per-minute rows and reads every replica's back, in one statement. A request costs no database round trip;
 * the price is that replicas see each other's counts up to 250 ms late, so a burst may pass the limit by what the
 * other replicas admit in that time. The window slides (the minute before weighs by the part still in the last
 * 60 s). Tokens are counted as responses end, from their usage: a request is refused once the tokens of the last
 * minute have reached the limit, as OpenAI does with its estimate.
 */
@Injectable()
export class RateLimiter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly buckets = new Map<string, Bucket>();
  private readonly defaults: Limits;
  private timer?: NodeJS.Timeout;
  private exchanging?: Promise<void>;

  constructor(
    private readonly repository: RateLimitUsageRepository,
    config: AppConfig,
  ) {
    this.defaults = { rpm: config.RATE_LIMIT_RPM, tpm: config.RATE_LIMIT_TPM };
  }

  onApplicationBootstrap(): void {
    // A tick while an exchange is under way (a slow database) is skipped: ticks never pile up.
    this.timer = setInterval(() => void (this.exchanging ?? this.exchange()), SYNC_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The limits of a caller: its key's own where it has them, else the defaults. */
  limitsFor(own: Limits = {}): Limits {
    return { rpm: own.rpm ?? this.defaults.rpm, tpm: own.tpm ?? this.defaults.tpm };
  }

  /**
   * Counts one request of `bucket`, or refuses it (429 rate_limit_exceeded with Retry-After) when the requests or the
   * tokens of the last minute have reached a limit; either way, the headers its answer carries.
   */
  admit(bucket: string, limits: Limits): Admission {
    if (limits.rpm === undefined && limits.tpm === undefined) return { headers: {} };
    const state = this.bucket(bucket);
    const elapsed = secondsIntoMinute();
    const requests = this.counts(state, 'requests');
    const tokens = this.counts(state, 'tokens');
    const requestsFull = limits.rpm !== undefined && estimate(requests, elapsed) + 1 > limits.rpm;
    const tokensFull = limits.tpm !== undefined && estimate(tokens, elapsed) >= limits.tpm;
    if (requestsFull || tokensFull) {
      const wait = Math.max(
        requestsFull ? secondsUntilBelow(requests, limits.rpm!, elapsed) : 0,
        tokensFull ? secondsUntilBelow(tokens, limits.tpm!, elapsed) : 0,
      );
      const what = requestsFull ? `requests per minute (limit ${limits.rpm})` : `tokens per minute (limit ${limits.tpm})`;
      return {
        headers: this.headers(limits, requests, tokens, elapsed),
        refused: ApiError.tooManyRequests(`Rate limit reached for ${what}. Please try again in ${wait}s.`, wait),
      };
    }
    state.pending.requests += 1;
    requests.current += 1;
    return { headers: this.headers(limits, requests, tokens, elapsed) };
  }

  /** Counts the tokens a response of `bucket` used (when it ends). */
  recordTokens(bucket: string, tokens: number): void {
    if (tokens <= 0 || (this.defaults.tpm === undefined && !this.buckets.has(bucket))) return;
    this.bucket(bucket).pending.tokens += tokens;
  }

  /** One exchange with the shared counts, started once the one under way (if any) has ended. */
  async exchange(): Promise<void> {
    while (this.exchanging) await this.exchanging;
    this.exchanging = this.exchangeOnce().finally(() => (this.exchanging = undefined));
    return this.exchanging;
  }

  private async exchangeOnce(): Promise<void> {
    if (this.buckets.size === 0) return;
    const minute = currentMinute();
    const now = Date.now();
    const deltas: UsageDelta[] = [];
    for (const [name, state] of this.buckets) {
      this.roll(state, minute);
      if (now - state.usedAt > FORGET_AFTER_MS && state.pending.requests === 0 && state.pending.tokens === 0) {
        this.buckets.delete(name);
        continue;
      }
      state.sending = state.pending;
      state.pending = { bucket: name, requests: 0, tokens: 0 };
      if (state.sending.requests > 0 || state.sending.tokens > 0) deltas.push(state.sending);
    }
    try {
      const rows = await this.repository.exchange(minute, deltas, [...this.buckets.keys()]);
      for (const [name, state] of this.buckets) {
        this.roll(state, minute);
        state.shared = { current: { bucket: name, requests: 0, tokens: 0 }, previous: { bucket: name, requests: 0, tokens: 0 } };
        state.sending = { bucket: name, requests: 0, tokens: 0 };
      }
      for (const row of rows) {
        const state = this.buckets.get(row.bucket);
        if (!state || state.minute !== minute) continue;
        const slot = row.minute === minute ? 'current' : row.minute === minute - 1 ? 'previous' : undefined;
        if (slot) state.shared[slot] = { bucket: row.bucket, requests: row.requests, tokens: row.tokens };
      }
    } catch (error) {
      // Kept for the next exchange: counts are late, never lost.
      for (const state of this.buckets.values()) {
        state.pending = {
          bucket: state.pending.bucket,
          requests: state.pending.requests + state.sending.requests,
          tokens: state.pending.tokens + state.sending.tokens,
        };
        state.sending = { bucket: state.pending.bucket, requests: 0, tokens: 0 };
      }
      this.logger.warn(`could not exchange rate-limit counts: ${String(error)}`);
    }
  }

  private bucket(name: string): Bucket {
    let state = this.buckets.get(name);
    if (!state) {
      const zero = () => ({ bucket: name, requests: 0, tokens: 0 });
      state = { minute: currentMinute(), shared: { current: zero(), previous: zero() }, pending: zero(), sending: zero(), usedAt: 0 };
      this.buckets.set(name, state);
    }
    this.roll(state, currentMinute());
    state.usedAt = Date.now();
    return state;
  }

  /** A new minute: this one's shared counts become the previous minute's. */
  private roll(state: Bucket, minute: number): void {
    if (state.minute === minute) return;
    const zero = { bucket: state.shared.current.bucket, requests: 0, tokens: 0 };
    state.shared = { previous: state.minute === minute - 1 ? state.shared.current : zero, current: { ...zero } };
    state.minute = minute;
  }

  private counts(state: Bucket, kind: 'requests' | 'tokens'): WindowCounts {
    return { current: state.shared.current[kind] + state.sending[kind] + state.pending[kind], previous: state.shared.previous[kind] };
  }

  private headers(limits: Limits, requests: WindowCounts, tokens: WindowCounts, elapsed: number): RateLimitHeaders {
    const headers: RateLimitHeaders = {};
    if (limits.rpm !== undefined) {
      headers['x-ratelimit-limit-requests'] = String(limits.rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(limits.rpm - estimate(requests, elapsed))));
      headers['x-ratelimit-reset-requests'] = `${secondsUntilReset(requests, elapsed)}s`;
    }
    if (limits.tpm !== undefined) {
      headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(limits.tpm - estimate(tokens, elapsed))));
      headers['x-ratelimit-reset-tokens'] = `${secondsUntilReset(tokens, elapsed)}s`;
    }
    return headers;
  }
}

function currentMinute(): number {
  return Math.floor(Date.now() / 60_000);
}

function secondsIntoMinute(): number {
  return (Date.now() % 60_000) / 1000;
}
