/**
 * What hostile input and load cost the server, each against a baseline measured in the same run:
 * - validating a 14 MB body of a million metadata keys, and a 10 MB ordinary body, against JSON.parse of the same
 *   bytes in this process (both must be linear: half the body, half the cost);
 * - the server's resident memory with 50 clients that never read their streams, against 50 that read them;
 * - stored creates per second, and CPU per create, with the rate limiter on against off;
 * - the latency of small stored creates at a fixed rate while another client sends creates of a 19 MB input, against
 *   the same rate alone.
 * Run by `npm run bench` (BENCH_ONLY=hardening), which rewrites its section of BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EVENT_LOOP_SAMPLE_MS } from '../src/metrics/metrics.module';
import { fixedRate, post, type RateResult, type Target } from './load';
import { type BenchProcess, startServerProcess, startStubProcess } from './processes';
import { machine, writeSection } from './support';

const SERVER_CORES = '0';
const LOAD_CORES = '1';

function manyKeysBody(keys: number): string {
  const parts: string[] = [];
  for (let i = 0; i < keys; i++) parts.push(`"k${i}":"v"`);
  return `{"model":"m","input":"x","metadata":{${parts.join(',')}}}`;
}

/** The most keys a body may hold within every bound: `tools` whose schemas have 4,800 properties each, then an unknown parameter. */
function mostKeysBody(tools: number): string {
  const properties = `{${Array.from({ length: 4800 }, (_, i) => `"p${i}":{}`).join(',')}}`;
  const list = Array.from({ length: tools }, (_, i) => `{"type":"function","name":"f${i}","parameters":{"type":"object","properties":${properties}}}`);
  return `{"model":"m","input":"x","tools":[${list.join(',')}],"not_a_parameter":true}`;
}

/** An ordinary create body of about `megabytes`, made to fail at the very end of validation (no model call). */
function ordinaryBody(megabytes: number): string {
  const message = { role: 'user', content: [{ type: 'input_text', text: 'The quick brown fox jumps over the lazy dog. '.repeat(20) }] };
  const count = Math.round((megabytes * 1024 * 1024) / JSON.stringify(message).length);
  return JSON.stringify({ model: 'm', input: Array.from({ length: count }, () => message), not_a_parameter: true });
}

/** A create whose input holds `megabytes` of text, for the model `large` (a backend of its own); the model answers its last, short message. */
function largeInputBody(megabytes: number): string {
  const text = 'word '.repeat(Math.round((megabytes * 1024 * 1024) / 5));
  return JSON.stringify({
    model: 'large',
    input: [
      { role: 'user', content: text },
      { role: 'user', content: 'hi' },
    ],
  });
}

function send(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/responses`,
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Server CPU (ms) for one request with `body`, the median of `runs`. */
async function serverCpuMs(server: BenchProcess, body: string, runs = 5): Promise<{ ms: number; status: number }> {
  const samples: number[] = [];
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const before = server.cpuMicros();
    status = await send(server.url, body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    samples.push((server.cpuMicros() - before) / 1000);
  }
  return { ms: samples.sort((a, b) => a - b)[Math.floor(runs / 2)], status };
}

function parseMs(body: string, runs = 5): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    JSON.parse(body);
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function validationCosts(server: BenchProcess): Promise<string[]> {
  const bodies = [
    ['1,050,000 metadata keys', manyKeysBody(1_050_000)],
    ['525,000 metadata keys', manyKeysBody(525_000)],
    ['96,000 keys within bounds (20 schemas of 4,800)', mostKeysBody(20)],
    ['48,000 keys within bounds (10 schemas of 4,800)', mostKeysBody(10)],
    ['ordinary, 10 MB', ordinaryBody(10)],
    ['ordinary, 5 MB', ordinaryBody(5)],
  ] as const;
  const rows = ['| Body | Size | Answer | Server CPU | JSON.parse here (baseline) | ratio |', '|---|---|---|---|---|---|'];
  for (const [name, body] of bodies) {
    const { ms, status } = await serverCpuMs(server, body);
    const baseline = parseMs(body);
    rows.push(
      `| ${name} | ${(body.length / 1024 / 1024).toFixed(1)} MB | ${status} | ${ms.toFixed(0)} ms | ${baseline.toFixed(0)} ms | ${(ms / baseline).toFixed(1)}× |`,
    );
  }
  return rows;
}

/** Opens `count` streams of about 4 MB each; non-readers stop after their first chunk. Answers the server's peak RSS. */
async function peakRss(server: BenchProcess, count: number, read: boolean): Promise<number> {
  let peak = server.rssBytes();
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 50);
  const requests = Array.from(
    { length: count },
    () =>
      new Promise<void>((resolve) => {
        const req = request(`${server.url}/v1/responses`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
          if (read) {
            res.resume();
            res.on('end', resolve);
            res.on('error', () => resolve());
            return;
          }
          res.once('data', () => res.pause());
          // A stuck client is never resolved by its stream: it is let go after the measurement.
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 8000);
        });
        req.on('error', () => resolve());
        req.end(JSON.stringify({ model: 'm', input: 'BYTES 2000 2000', stream: true, store: false }));
      }),
  );
  await Promise.all(requests);
  clearInterval(sampler);
  return peak;
}

/** Stored creates per second with `concurrency` clients for `seconds`, and the server's CPU per create. */
async function throughput(server: BenchProcess, concurrency: number, seconds: number): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const target: Target = { name: 'server', url: server.url, path: '/v1/responses', headers: {}, body: () => ({}), isFirstText: () => false };
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const before = server.cpuMicros();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const reply = await post(target, { model: 'm', input: 'hi' });
        if (reply.status === 200) done += 1;
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { rps: done / elapsed, cpuUs: (server.cpuMicros() - before) / Math.max(1, done), errors };
}

const SMALL_RATE = 200;
const SMALL_SECONDS = 5;

/**
 * Small stored creates at SMALL_RATE, alone and while one client sends creates of a 19 MB input back to back (to a
 * backend of their own, so that only the server is shared), in alternated rounds; the median round of each.
 */
async function largeInputsBeside(server: BenchProcess): Promise<string[]> {
  const small: Target = { name: 'server', url: server.url, path: '/v1/responses', headers: {}, body: () => ({}), isFirstText: () => false };
  const large = largeInputBody(19);
  type Round = RateResult & { large: number; loopHeldMs: number };
  const rounds: Record<'alone' | 'beside', Round[]> = { alone: [], beside: [] };
  // The server's longest event-loop delay since the last scrape: what the server itself held the others up.
  const loopHeldMs = async () => {
    const metrics = await fetch(`${server.url}/metrics`).then((reply) => reply.text());
    return Number(/\nnodejs_eventloop_lag_max_seconds (\S+)/.exec(metrics)?.[1]) * 1000 - EVENT_LOOP_SAMPLE_MS;
  };
  await fixedRate(small, { model: 'm', input: 'hi' }, SMALL_RATE, 2); // warm-up
  for (const round of [0, 1, 2]) {
    for (const mode of round % 2 === 0 ? (['alone', 'beside'] as const) : (['beside', 'alone'] as const)) {
      await loopHeldMs();
      let stopped = mode === 'alone';
      let done = 0;
      const sender = (async () => {
        while (!stopped) if ((await send(server.url, large)) === 200) done += 1;
      })();
      const result = await fixedRate(small, { model: 'm', input: 'hi' }, SMALL_RATE, SMALL_SECONDS);
      stopped = true;
      await sender;
      rounds[mode].push({ ...result, large: done, loopHeldMs: await loopHeldMs() });
    }
  }
  const median = (mode: 'alone' | 'beside') => [...rounds[mode]].sort((a, b) => a.p99 - b.p99)[1];
  const [alone, beside] = [median('alone'), median('beside')];
  const p99s = (mode: 'alone' | 'beside') => rounds[mode].map((r) => r.p99.toFixed(0)).join(', ');
  const row = (name: string, mode: 'alone' | 'beside', r: Round, ratio: string) =>
    `| ${name} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms (rounds: ${p99s(mode)}) | ${r.errors} | ${r.large} | ${Math.max(0, r.loopHeldMs).toFixed(0)} ms | ${ratio} |`;
  return [
    `**What a large input costs the others.** Small stored creates at ${SMALL_RATE}/s for ${SMALL_SECONDS} s, alone and while one client sends stored creates of a 19 MB input back to back (to a backend of their own), three alternated rounds each, the median round (by p99) shown:`,
    '',
    '| Small creates | p50 | p99 | errors | 19 MB creates answered meanwhile | longest the server held its event loop | p99 ratio |',
    '|---|---|---|---|---|---|---|',
    row('alone (baseline)', 'alone', alone, '1.00×'),
    row('beside 19 MB inputs', 'beside', beside, `${(beside.p99 / alone.p99).toFixed(1)}×`),
  ];
}

export async function hardening(databaseUrl: string): Promise<void> {
  const stub = await startStubProcess(LOAD_CORES);
  const start = (env: Record<string, string> = {}) => startServerProcess({ cores: SERVER_CORES, databaseUrl, upstream: stub, env });
  const lines: string[] = [machine(), ''];
  try {
    const server = await start();
    try {
      lines.push(
        '**Validation is linear and bounded.** Each body is refused with a 400, without a model call: by the bounds on its raw bytes (keys, depth), or by an unknown parameter after every other check.',
        '',
      );
      lines.push(...(await validationCosts(server)), '');
    } finally {
      await server.stop();
    }
    // Each on a fresh server: the heap another measurement grew does not count.
    const rss = async (read: boolean) => {
      const fresh = await start();
      try {
        const idle = fresh.rssBytes();
        return { idle, peak: await peakRss(fresh, 50, read) };
      } finally {
        await fresh.stop();
      }
    };
    const readers = await rss(true);
    const stuck = await rss(false);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    lines.push(
      '**Clients that stop reading are cut off.** Peak RSS of a fresh server with 50 streams of 4 MB each (STREAM_MAX_BUFFER_BYTES 1 MiB):',
      '',
      '| Clients | Idle RSS | Peak RSS | Over idle | ratio of peaks |',
      '|---|---|---|---|---|',
      `| 50 that read (baseline) | ${mb(readers.idle)} | ${mb(readers.peak)} | ${mb(readers.peak - readers.idle)} | 1.00× |`,
      `| 50 that never read | ${mb(stuck.idle)} | ${mb(stuck.peak)} | ${mb(stuck.peak - stuck.idle)} | ${(stuck.peak / readers.peak).toFixed(2)}× |`,
      '',
    );
    // Backends of their own, fresh (the stub above may still be pushing the answers its stuck clients left): the large
    // inputs apart, since a stub reading 19 MB would otherwise hold up the small ones' answers.
    const [smallBackend, largeBackend] = await Promise.all([startStubProcess(LOAD_CORES), startStubProcess(LOAD_CORES)]);
    try {
      const modelsFile = join(tmpdir(), `bench-models-${process.pid}.json`);
      const models = [
        { name: 'large', base_url: `${largeBackend.url}/v1` },
        { name: '*', base_url: `${smallBackend.url}/v1` },
      ];
      writeFileSync(modelsFile, JSON.stringify({ models }));
      const server = await startServerProcess({ cores: SERVER_CORES, databaseUrl, upstream: smallBackend, env: { MODELS_FILE: modelsFile } });
      try {
        lines.push(...(await largeInputsBeside(server)), '');
      } finally {
        await server.stop();
      }
    } finally {
      await Promise.all([smallBackend.stop(), largeBackend.stop()]);
    }
    const rows = ['| Rate limiter | stored creates/s | CPU per create | errors | ratio |', '|---|---|---|---|---|'];
    const results: Record<string, Array<{ rps: number; cpuUs: number; errors: number }>> = { off: [], on: [] };
    // Alternated, three times each, so that a drift of the machine weighs on both; the median run of each counts.
    for (const round of [0, 1, 2]) {
      for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        const server = await start(mode === 'on' ? { RATE_LIMIT_RPM: '100000000', RATE_LIMIT_TPM: '1000000000' } : {});
        try {
          await throughput(server, 16, 2); // warm-up
          results[mode].push(await throughput(server, 16, 8));
        } finally {
          await server.stop();
        }
      }
    }
    const median = (mode: string) => [...results[mode]].sort((a, b) => a.rps - b.rps)[1];
    const [off, on] = [median('off'), median('on')];
    const spread = (mode: string) => results[mode].map((r) => r.rps.toFixed(0)).join(', ');
    rows.push(`| off (baseline) | ${off.rps.toFixed(0)} (runs: ${spread('off')}) | ${off.cpuUs.toFixed(0)} µs | ${off.errors} | 1.00× |`);
    rows.push(
      `| on (limits never reached) | ${on.rps.toFixed(0)} (runs: ${spread('on')}) | ${on.cpuUs.toFixed(0)} µs | ${on.errors} | ${(on.rps / off.rps).toFixed(3)}× |`,
    );
    lines.push('**The rate limiter costs no round trip.** 16 closed-loop clients for 8 s, three alternated runs each, the median run shown:', '', ...rows);
  } finally {
    await stub.stop();
  }
  writeSection('hardening', lines);
}
