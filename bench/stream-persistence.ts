/**
 * Does logging a stream's events to Postgres slow the live stream down? Streams the same 64-token reply with
 * store:true (events logged) and store:false (nothing written), interleaved run by run, and compares time to first
 * token and the gaps between deltas. Run with `npm run bench`; it rewrites its section of BENCHMARKS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { loadConfig } from '../src/config/app-config';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';
import { createServer } from '../src/server';
import { startStubUpstream } from '../test/support/stub-upstream';

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

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function main(): Promise<void> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: join(tmpdir(), `bench-pg-${process.pid}`), port: 45000 + (process.pid % 1000), ephemeral: true });
  const url = process.env.DATABASE_URL ?? embedded!.url;
  await runMigrations(url);
  const stub = await startStubUpstream();
  const app = await createServer(loadConfig({ LOG_LEVEL: 'silent', UPSTREAM_BASE_URL: stub.baseURL }), url);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'bench', maxRetries: 0 });
  const results: Record<'stored' | 'unstored', Sample[]> = { stored: [], unstored: [] };
  try {
    for (let i = 0; i < 3; i++) await streamOnce(client, true); // warm-up
    for (let i = 0; i < RUNS; i++) {
      results.stored.push(await streamOnce(client, true));
      results.unstored.push(await streamOnce(client, false));
    }
  } finally {
    await app.close();
    await stub.close();
    await embedded?.stop();
  }
  const summary = (samples: Sample[]) => ({
    ttftP50: percentile(samples.map((s) => s.ttftMs), 50),
    ttftP99: percentile(samples.map((s) => s.ttftMs), 99),
    gapP50: percentile(samples.flatMap((s) => s.gapsMs), 50),
    gapP99: percentile(samples.flatMap((s) => s.gapsMs), 99),
  });
  const stored = summary(results.stored);
  const unstored = summary(results.unstored);
  const row = (name: string, key: keyof typeof stored) =>
    `| ${name} | ${unstored[key].toFixed(2)} ms | ${stored[key].toFixed(2)} ms | ${(stored[key] / unstored[key]).toFixed(2)}× |`;
  const section = [
    '<!-- stream-persistence:start -->',
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${process.env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL'}; ${RUNS} interleaved pairs of streams of ${TOKENS} tokens, ${DELAY_MS} ms apart, from the stub upstream.`,
    '',
    '| Measure | store:false (baseline) | store:true (events logged) | ratio |',
    '|---|---|---|---|',
    row('Time to first delta, p50', 'ttftP50'),
    row('Time to first delta, p99', 'ttftP99'),
    row('Gap between deltas, p50', 'gapP50'),
    row('Gap between deltas, p99', 'gapP99'),
    '<!-- stream-persistence:end -->',
  ].join('\n');
  const file = join(__dirname, '..', 'BENCHMARKS.md');
  const current = readFileSync(file, 'utf8');
  writeFileSync(file, current.replace(/<!-- stream-persistence:start -->[\s\S]*<!-- stream-persistence:end -->/, section));
  console.log(section);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
