import { Agent, request } from 'node:http';

import { percentile } from './support';

/** One keep-alive agent for the whole bench, with no cap on sockets: the load generator must never be the queue. */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

export interface Target {
  name: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The request body for a prompt, streamed or not. */
  body(prompt: string, stream: boolean): unknown;
  /** Whether an SSE `data:` payload (with its `event:` line, if any) carries the first generated text. */
  isFirstText(frame: string): boolean;
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

export function post(target: Target, payload: unknown): Promise<Reply> {
  return send('POST', target.url + target.path, target.headers, JSON.stringify(payload));
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return send('GET', url, headers);
}

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - start }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface StreamResult {
  status: number;
  /** Milliseconds from sending the request to the first generated text. */
  firstTextMs: number;
  /** Arrival times (ms, from the request) of every SSE frame. */
  frameTimes: number[];
  frames: number;
  /** Whether the stream ended with its terminal frame. */
  complete: boolean;
}

/** Sends a streaming request and times its SSE frames as they arrive, without parsing them beyond what it must. */
export function stream(target: Target, payload: unknown, isTerminal: (frame: string) => boolean): Promise<StreamResult> {
  const body = JSON.stringify(payload);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      target.url + target.path,
      { method: 'POST', agent, headers: { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const result: StreamResult = { status: res.statusCode ?? 0, firstTextMs: 0, frameTimes: [], frames: 0, complete: false };
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now() - start;
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf('\n\n')) >= 0) {
            const frame = pending.slice(0, end);
            pending = pending.slice(end + 2);
            if (frame.startsWith(':')) continue;
            result.frames += 1;
            result.frameTimes.push(now);
            if (!result.firstTextMs && target.isFirstText(frame)) result.firstTextMs = now;
            if (isTerminal(frame)) result.complete = true;
          }
        });
        res.on('end', () => resolve(result));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The largest gap between consecutive frames, in ms. */
export function largestGap(times: number[]): number {
  let largest = 0;
  for (let i = 1; i < times.length; i++) largest = Math.max(largest, times[i] - times[i - 1]);
  return largest;
}

/** Runs `task` `count` times, `concurrency` at a time, each worker starting its next as its last one ends. */
export async function inParallel(count: number, concurrency: number, task: () => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await task();
    }),
  );
}

export interface RateResult {
  rate: number;
  sent: number;
  errors: number;
  p50: number;
  p99: number;
  /** The ids of the objects created (the first `"id"` of each answer), for reading them back afterwards. */
  ids: string[];
}

/**
 * Open-loop load: requests leave on a fixed schedule whatever the answers do, and each latency counts from its
 * scheduled time, so that a slow server cannot hide its queue (no coordinated omission). Only the ids of the answers
 * are kept: the load generator shares a core with the stub and Postgres, and a heap full of answers would have it
 * pause for garbage collection, which would count as the server's latency.
 */
export async function fixedRate(target: Target, payload: unknown, rate: number, seconds: number): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const ids: string[] = [];
  let errors = 0;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const scheduled = start + (sent / rate) * 1000;
        inFlight.push(
          post(target, payload).then(
            (reply) => {
              latencies.push(performance.now() - scheduled);
              if (reply.status !== 200) errors += 1;
              else ids.push(/"id":"([^"]+)"/.exec(reply.body)?.[1] ?? '');
            },
            () => void (errors += 1),
          ),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rate, sent, errors, p50: at(0.5), p99: at(0.99), ids };
}

/** What stepping through the rates found for one gateway. */
export interface RateOutcome {
  passed?: { rate: number; p99: number };
  /** What failed at the first rate it did not pass; empty while it passed every rate. */
  failure: string;
  /** CPU per request (µs) at each rate it passed, when its CPU is read. */
  cpuAt: Map<number, number>;
}

/**
 * For each rate in turn, `runsPerRate` open-loop runs of `seconds` for every key still passing, the keys taking turns
 * run by run (a slow spell of this VM falls on all of them alike); a key passes a rate with no error and a median p99
 * within `maxP99Ms` (one stall of the VM, or of Postgres's disk, must not decide a rate), and `check` may fail it for
 * a reason of its own. A key that fails a rate tries no higher one.
 */
export async function stepRates<K extends string>(
  keys: K[],
  rates: number[],
  options: {
    target: (key: K) => Target;
    runsPerRate: number;
    seconds: number;
    maxP99Ms: number;
    cpuMicros?: (key: K) => number;
    check?: (key: K, runs: RateResult[]) => Promise<string | undefined>;
  },
): Promise<Record<K, RateOutcome>> {
  const outcomes = Object.fromEntries(keys.map((key) => [key, { failure: '', cpuAt: new Map() }])) as Record<K, RateOutcome>;
  for (const rate of rates) {
    const running = keys.filter((key) => !outcomes[key].failure);
    if (running.length === 0) break;
    const runs = new Map<K, RateResult[]>(running.map((key) => [key, []]));
    const cpu = new Map<K, number>(running.map((key) => [key, 0]));
    for (let run = 0; run < options.runsPerRate; run++) {
      for (const key of running) {
        const target = options.target(key);
        const cpuBefore = options.cpuMicros?.(key) ?? 0;
        runs.get(key)!.push(await fixedRate(target, target.body('hello', false), rate, options.seconds));
        cpu.set(key, cpu.get(key)! + (options.cpuMicros?.(key) ?? 0) - cpuBefore);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    for (const key of running) {
      const results = runs.get(key)!;
      const errors = results.reduce((sum, result) => sum + result.errors, 0);
      const p99 = percentile(
        results.map((result) => result.p99),
        50,
      );
      const other = errors === 0 && p99 <= options.maxP99Ms ? await options.check?.(key, results) : undefined;
      if (errors > 0 || p99 > options.maxP99Ms || other) {
        outcomes[key].failure = `at ${rate} req/s: ${errors} errors, p99 ${p99.toFixed(1)} ms${other ? `, ${other}` : ''}`;
        continue;
      }
      outcomes[key].passed = { rate, p99 };
      if (options.cpuMicros) outcomes[key].cpuAt.set(rate, cpu.get(key)! / results.reduce((sum, result) => sum + result.sent, 0));
    }
  }
  return outcomes;
}
