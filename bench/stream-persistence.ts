/**
 * Does logging a stream's events to Postgres slow the live stream down? Streams the same 64-token reply with
 * store:true (events logged) and store:false (nothing written), interleaved run by run, and compares time to first
 * token and the gaps between deltas. Run by `npm run bench` (bench/run.ts), which rewrites its section of BENCHMARKS.md.
 */
import OpenAI from 'openai';

import { startStubUpstream } from '../test/support/stub-upstream';
import { machine, percentile, startBenchServer, writeSection } from './support';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const TOKENS = 64;
const DELAY_MS = 5;

interface Sample {
  ttftMs: number;
  gapsMs: number[];
}

async function streamOnce(client: OpenAI, store: boolean): Promise<Sample> {
  const start = performance.now();
  const stream = await client.responses.create({ model: 'bench', input: `TOKENS ${TOKENS} ${DELAY_MS}`, stream: true, store });
  let last = 0;
  let ttftMs = 0;
  const gapsMs: number[] = [];
  for await (const event of stream) {
    if (event.type !== 'response.output_text.delta') continue;
    const now = performance.now();
    if (last === 0) ttftMs = now - start;
    else gapsMs.push(now - last);
    last = now;
  }
  return { ttftMs, gapsMs };
}

export async function streamPersistence(databaseUrl: string): Promise<void> {
  const stub = await startStubUpstream();
  const server = await startBenchServer(databaseUrl, { UPSTREAM_BASE_URL: stub.baseURL });
  const client = server.client;
  const results: Record<'stored' | 'unstored', Sample[]> = { stored: [], unstored: [] };
  try {
    for (let i = 0; i < 3; i++) await streamOnce(client, true); // warm-up
    for (let i = 0; i < RUNS; i++) {
      results.stored.push(await streamOnce(client, true));
      results.unstored.push(await streamOnce(client, false));
    }
  } finally {
    await server.close();
    await stub.close();
  }
  const summary = (samples: Sample[]) => {
    const ttfts = samples.map((s) => s.ttftMs);
    const gaps = samples.flatMap((s) => s.gapsMs);
    return { ttftP50: percentile(ttfts, 50), ttftP99: percentile(ttfts, 99), gapP50: percentile(gaps, 50), gapP99: percentile(gaps, 99) };
  };
  const stored = summary(results.stored);
  const unstored = summary(results.unstored);
  const row = (name: string, key: keyof typeof stored) =>
    `| ${name} | ${unstored[key].toFixed(2)} ms | ${stored[key].toFixed(2)} ms | ${(stored[key] / unstored[key]).toFixed(2)}× |`;
  writeSection('stream-persistence', [
    `${machine()}; ${RUNS} interleaved pairs of streams of ${TOKENS} tokens, ${DELAY_MS} ms apart, from the stub upstream.`,
    '',
    '| Measure | store:false (baseline) | store:true (events logged) | ratio |',
    '|---|---|---|---|',
    row('Time to first delta, p50', 'ttftP50'),
    row('Time to first delta, p99', 'ttftP99'),
    row('Gap between deltas, p50', 'gapP50'),
    row('Gap between deltas, p99', 'gapP99'),
  ]);
}
