/**
 * What a gateway adds on top of the model server, in one run: the stub upstream directly (the baseline), our
 * Responses API (stored: every response written to Postgres), the Portkey gateway's Chat Completions pass-through
 * (which stores nothing), and two floors: a bare Node relay that only copies bytes (the floor of any Node gateway, see
 * `bare-relay.ts`) and a NestJS relay on our stack that validates and copies (the framework's floor, see
 * `nest-relay.ts`). The gateway under test runs alone on core 0; the stub, Postgres and this load generator share
 * core 1.
 */
import { join } from 'node:path';

import { HeapSnapshots } from './heap';
import { fixedRate, get, inParallel, largestGap, post, stepRates, stream, type Target } from './load';
import { type BenchProcess, canPin, startProcess, startServerProcess, startStubProcess } from './processes';
import { machine, packageVersion, percentile, writeSection } from './support';

const ROOT = join(__dirname, '..');
const PAIRS = Number(process.env.BENCH_PAIRS ?? 300);
const RATES = [100, 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000];
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 3);
const RUNS_PER_RATE = 3;
const STREAM_COUNTS = [128, 256, 512, 1024, 2048, 4096];
const MAX_GAP_MS = 200;
const MAX_P99_MS = 50;
const WARM_UP = 300;
/**
 * Requests that warm a gateway up before its latency is measured. V8 compiles a function with its optimizing compiler
 * only after it has run a while, and code that runs once per request (Node's HTTP client among it) was still in its
 * baseline tier after 900 requests. Measured over its requests 300 to 900, a stored create added 2.3–2.4 ms p50 and
 * 9.6–10.4 ms p99 at concurrency 1; after 4,000 more, 1.7–1.8 and 4.5–5.5 ms (this VM, two runs each). A gateway in
 * production has long been warm.
 */
const WARM_UP_REQUESTS = Number(process.env.BENCH_WARM_UP ?? 4000);

const chatBody = (prompt: string, stream: boolean) => ({ model: 'bench', messages: [{ role: 'user', content: prompt }], stream });
const chatFirstText = (frame: string) => frame.includes('"content":"') && !frame.includes('"content":""');
export const chatTerminal = (frame: string) => frame === 'data: [DONE]';
export const oursTerminal = (frame: string) => frame.startsWith('event: response.completed');

export type GatewayKey = 'ours' | 'portkey' | 'nest' | 'relay';
const GATEWAYS: GatewayKey[] = ['ours', 'portkey', 'nest', 'relay'];

export function targets(
  stub: BenchProcess,
  ours: BenchProcess,
  portkey: BenchProcess,
  nest: BenchProcess,
  relay: BenchProcess,
): Record<'direct' | GatewayKey, Target> {
  return {
    direct: { name: 'stub directly', url: stub.url, path: '/v1/chat/completions', headers: {}, body: chatBody, isFirstText: chatFirstText },
    ours: {
      name: 'responses-server',
      url: ours.url,
      path: '/v1/responses',
      headers: {},
      body: (prompt, stream) => ({ model: 'bench', input: prompt, stream, store: true }),
      isFirstText: (frame) => frame.startsWith('event: response.output_text.delta'),
    },
    portkey: {
      name: 'Portkey',
      url: portkey.url,
      path: '/v1/chat/completions',
      headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${stub.url}/v1`, authorization: 'Bearer bench' },
      body: chatBody,
      isFirstText: chatFirstText,
    },
    nest: {
      name: "NestJS relay (the framework's floor)",
      url: nest.url,
      path: '/v1/chat/completions',
      headers: {},
      body: chatBody,
      isFirstText: chatFirstText,
    },
    relay: { name: 'bare Node relay (the floor)', url: relay.url, path: '/v1/chat/completions', headers: {}, body: chatBody, isFirstText: chatFirstText },
  };
}

export interface Gateways {
  stub: BenchProcess;
  ours: BenchProcess;
  portkey: BenchProcess;
  nest: BenchProcess;
  relay: BenchProcess;
  targets: ReturnType<typeof targets>;
  stop(): Promise<void>;
}

export async function startGateways(databaseUrl: string, gatewayNodeArgs: string[] = []): Promise<Gateways> {
  const stub = await startStubProcess('1');
  const ours = await startServerProcess({ cores: '0', databaseUrl, upstream: stub, nodeArgs: gatewayNodeArgs });
  const portkey = await startProcess({
    name: 'Portkey',
    cores: '0',
    command: process.execPath,
    args: (port) => [
      ...gatewayNodeArgs,
      '--import',
      join(ROOT, 'bench/portkey-fetch-fix.mjs'),
      join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
      `--port=${port}`,
      '--headless',
    ],
    env: { NODE_ENV: 'production' },
    readyPath: '/',
  });
  const startRelay = (name: string, file: string) =>
    startProcess({
      name,
      cores: '0',
      command: process.execPath,
      args: (port) => [...gatewayNodeArgs, '-r', '@swc-node/register', join(ROOT, 'bench', file), String(port), stub.url],
      readyPath: '/',
    });
  const nest = await startRelay('NestJS relay', 'nest-relay.ts');
  const bare = await startRelay('bare relay', 'bare-relay.ts');
  return {
    stub,
    ours,
    portkey,
    nest,
    relay: bare,
    targets: targets(stub, ours, portkey, nest, bare),
    stop: async () => {
      await Promise.all([ours.stop(), portkey.stop(), nest.stop(), bare.stop()]);
      await stub.stop();
    },
  };
}

export async function gateway(databaseUrl: string): Promise<void> {
  const lines: string[] = [];
  const heap = new HeapSnapshots();
  let gateways = await startGateways(databaseUrl);
  try {
    lines.push(...(await addedLatency(gateways.targets)), '', ...(await addedTimeToFirstToken(gateways.targets)), '');
    lines.push(...(await throughput(gateways.targets, gateways)), '');
    // Fresh processes, so that memory per stream is measured from an idle gateway.
    await gateways.stop();
    gateways = await startGateways(databaseUrl, heap.nodeArgs);
    lines.push(...(await concurrentStreams(gateways.targets, gateways, heap)));
  } finally {
    await gateways.stop();
    heap.close();
  }
  writeSection('gateway', [
    `${machine()}; ${canPin ? 'gateway under test pinned to core 0, stub + Postgres + load generator to core 1' : 'no taskset: processes not pinned'}; ` +
      `Portkey ${packageVersion('@portkey-ai/gateway')}, stored responses in Postgres. Ratios are against two floors: ` +
      "the bare Node relay (what Node's HTTP alone costs a gateway on this machine) and the NestJS relay (what our framework costs on top of it).",
    '',
    ...lines,
  ]);
}

/** `total` requests, 4 at a time: as fast as the gateway goes without a queue. */
function warmUp(target: Target, payload: unknown, total: number): Promise<void> {
  return inParallel(total, 4, async () => {
    const reply = await post(target, payload);
    if (reply.status !== 200) throw new Error(`${target.name} answered ${reply.status} while warming up: ${reply.body}`);
  });
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
/**
 * A rate or count passed with none failing is a lower bound (the gateway could do more), and a ratio against it an
 * upper one: `≥` for the figure, `≤` for ratios against it.
 */
const atLeast = (outcome: { passed?: unknown; failure: string }) => (outcome.passed && !outcome.failure ? '≥ ' : '');
/** `value` as a multiple of a floor's figure. */
const times = (value: number | undefined, floor: number | undefined) => (value !== undefined && floor ? `${(value / floor).toFixed(2)}×` : '–');
const FLOORS = ['relay', 'nest'] as const;
const FLOOR_HEADERS = 'against the floor | against NestJS';
/** The cells of `key`'s figure against each floor (`1×` on a floor's own row, `–` for the other floor's). */
const againstFloors = (key: GatewayKey, ratio: (floor: GatewayKey) => string) =>
  FLOORS.map((floor) => (key === floor ? '1×' : key === 'relay' ? '–' : ratio(floor))).join(' | ');
const emptyPerGateway = () => Object.fromEntries(GATEWAYS.map((key) => [key, [] as number[]])) as Record<GatewayKey, number[]>;

/**
 * 1. Non-streaming creates at concurrency 1: for each gateway in turn, its requests interleaved request by request with
 * requests to the stub directly (the baseline), while the others sit idle: they share core 0, and another leg in each
 * round would measure another gateway's leftover work as well.
 */
async function addedLatency(t: ReturnType<typeof targets>): Promise<string[]> {
  const added = emptyPerGateway();
  const direct = emptyPerGateway();
  for (const key of GATEWAYS) {
    await warmUp(t[key], t[key].body('hello', false), WARM_UP_REQUESTS);
    for (let i = 0; i < PAIRS + WARM_UP; i++) {
      const d = await post(t.direct, t.direct.body('hello', false));
      const g = await post(t[key], t[key].body('hello', false));
      if (d.status !== 200 || g.status !== 200) throw new Error(`added latency: statuses ${d.status} ${g.status}: ${g.body}`);
      if (i < WARM_UP) continue;
      direct[key].push(d.ms);
      added[key].push(g.ms - d.ms);
    }
  }
  const p50 = (key: GatewayKey) => percentile(added[key], 50);
  const row = (key: GatewayKey, what: string, target: string) =>
    `| ${what} | ${ms(p50(key))} | ${ms(percentile(added[key], 99))} | ${againstFloors(key, (floor) => times(p50(key), p50(floor)))} | ${ms(percentile(direct[key], 50))} / ${ms(percentile(direct[key], 99))} | ${target} |`;
  return [
    `**Added latency**, non-streaming create at concurrency 1 (${PAIRS} interleaved pairs per gateway, after ${WARM_UP_REQUESTS} requests, 4 at a time, and ${WARM_UP} pairs to warm up; baseline: the same prompt to the stub directly, sent just before each request through the gateway):`,
    '',
    `| | added p50 | added p99 | p50 ${FLOOR_HEADERS} | baseline p50 / p99 | target |`,
    '|---|---|---|---|---|---|---|',
    row('ours', 'responses-server, `POST /v1/responses` stored', '≤ 1.5 ms / ≤ 5 ms'),
    row('portkey', 'Portkey, `POST /v1/chat/completions` pass-through', '–'),
    row('nest', `${t.nest.name}, validated and copied`, '–'),
    row('relay', `${t.relay.name}, bytes copied`, '–'),
  ];
}

/** 2. Streaming: the first generated text through each gateway against the stub's own first text chunk. */
async function addedTimeToFirstToken(t: ReturnType<typeof targets>): Promise<string[]> {
  const prompt = 'TOKENS 16 5';
  const added = emptyPerGateway();
  const direct: number[] = [];
  for (const key of GATEWAYS) await warmUp(t[key], t[key].body('TOKENS 16', true), WARM_UP_REQUESTS / 4);
  for (let i = 0; i < PAIRS / 2 + WARM_UP / 4; i++) {
    const d = await stream(t.direct, t.direct.body(prompt, true), chatTerminal);
    if (!d.complete) throw new Error('time to first token: a stream from the stub did not complete');
    const rounds: Array<[GatewayKey, number]> = [];
    for (const key of GATEWAYS) {
      const through = await stream(t[key], t[key].body(prompt, true), key === 'ours' ? oursTerminal : chatTerminal);
      if (!through.complete) throw new Error(`time to first token: a stream through ${t[key].name} did not complete`);
      rounds.push([key, through.firstTextMs - d.firstTextMs]);
    }
    if (i < WARM_UP / 4) continue;
    direct.push(d.firstTextMs);
    for (const [key, addedMs] of rounds) added[key].push(addedMs);
  }
  const p50 = (key: GatewayKey) => percentile(added[key], 50);
  const row = (key: GatewayKey, what: string, target: string) =>
    `| ${what} | ${ms(p50(key))} | ${ms(percentile(added[key], 99))} | ${againstFloors(key, (floor) => times(p50(key), p50(floor)))} | ${target} |`;
  return [
    `**Added time to first token**, streaming (${PAIRS / 2} interleaved rounds of 16 tokens 5 ms apart, the stub directly then each gateway, after ${WARM_UP_REQUESTS / 4} streams per gateway, 4 at a time, and ${WARM_UP / 4} rounds to warm up; baseline: the stub's first text chunk, p50 ${ms(percentile(direct, 50))}):`,
    '',
    `| | added p50 | added p99 | p50 ${FLOOR_HEADERS} | target |`,
    '|---|---|---|---|---|---|',
    row('ours', 'responses-server, first `response.output_text.delta`, stored', '≤ 2 ms p50'),
    row('portkey', 'Portkey, first content chunk', '–'),
    row('nest', `${t.nest.name}, first content chunk`, '–'),
    row('relay', `${t.relay.name}, first content chunk`, '–'),
  ];
}

/**
 * 3. The highest fixed rate with no error and p99 under 50 ms; for us, every response is then read back. The gateways
 * take turns run by run at each rate, so that a slow spell of this VM falls on all of them alike.
 */
async function throughput(t: ReturnType<typeof targets>, gateways: Gateways): Promise<string[]> {
  // Warm-up: the first thousand requests of a Node process mostly pay for JIT compilation.
  for (const key of GATEWAYS) await fixedRate(t[key], t[key].body('hello', false), 500, 2);
  const outcomes = await stepRates(GATEWAYS, RATES, {
    target: (key) => t[key],
    runsPerRate: RUNS_PER_RATE,
    seconds: RATE_SECONDS,
    maxP99Ms: MAX_P99_MS,
    cpuMicros: (key) => gateways[key].cpuMicros(),
    // Every response ours created must be readable afterwards.
    check: async (key, runs) => {
      if (key !== 'ours') return undefined;
      const unreadable = await unreadableResponses(
        gateways.ours.url,
        runs.flatMap((r) => r.ids),
      );
      return unreadable > 0 ? `${unreadable} responses not readable` : undefined;
    },
  });
  // CPU per request is compared at one rate, the highest every gateway passed: it falls as a rate rises (fuller batches,
  // fewer idle wake-ups), so each gateway's own best rate would compare unlike loads.
  const common = Math.min(...GATEWAYS.map((key) => outcomes[key].passed?.rate ?? 0));
  const rows = GATEWAYS.map((key) => {
    const { passed, failure, cpuAt } = outcomes[key];
    const against = againstFloors(key, (floor) => `${atLeast(outcomes[floor]) && '≤ '}${times(passed?.rate ?? 0, outcomes[floor].passed?.rate)}`);
    const cpu = (value: number | undefined) => (value !== undefined ? `${Math.round(value)} µs` : '–');
    const cpuAgainst = againstFloors(key, (floor) => times(cpuAt.get(common), outcomes[floor].cpuAt.get(common)));
    return (
      `| ${t[key].name} | ${passed ? `${atLeast(outcomes[key])}${passed.rate} req/s` : 'none'} | ${against} | ${passed ? `${passed.p99.toFixed(1)} ms` : '–'} | ` +
      `${cpu(passed && cpuAt.get(passed.rate))} | ${cpu(cpuAt.get(common))} | ${cpuAgainst} | ${failure || 'every rate passed'} |`
    );
  });
  const ours = outcomes.ours.passed?.rate ?? 0;
  const portkey = outcomes.portkey.passed?.rate ?? 0;
  return [
    `**Throughput**: the highest fixed rate (of ${RATES.join(', ')} req/s, ${RATE_SECONDS} s each, open loop, after a 2 s warm-up at 500 req/s) with no error and p99 ≤ ${MAX_P99_MS} ms (the median p99 of ${RUNS_PER_RATE} runs, the gateways taking turns run by run); for responses-server every response created is then read back with GET. Gateway CPU per request at its highest passing rate, and at ${common || '–'} req/s, the highest rate every gateway passed. Target: ≥ 2,000 req/s stored and ≥ 2× Portkey (ratio here: ${portkey ? `${(ours / portkey).toFixed(2)}×` : 'Portkey passed no rate'}).`,
    '',
    `| | highest passing rate | ${FLOOR_HEADERS} | p99 there | gateway CPU per request there | at ${common || '–'} req/s | ${FLOOR_HEADERS} | first failure |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

async function unreadableResponses(url: string, ids: string[]): Promise<number> {
  let missing = 0;
  let next = 0;
  await inParallel(ids.length, 32, async () => {
    const reply = await get(`${url}/v1/responses/${ids[next++]}`);
    if (reply.status !== 200 || !reply.body.includes('"status":"completed"')) missing += 1;
  });
  return missing;
}

/**
 * 4. The most simultaneous streams (64 tokens, 20 ms apart) in which every event arrives with no gap over 200 ms. The
 * stub directly (what core 1, the stub and the load generator, can stream at all: the ceiling) and the gateways take
 * turns count by count.
 */
async function concurrentStreams(t: ReturnType<typeof targets>, gateways: Gateways, heap: HeapSnapshots): Promise<string[]> {
  const legs = [
    { key: 'direct', process: undefined, terminal: chatTerminal },
    { key: 'ours', process: gateways.ours, terminal: oursTerminal },
    { key: 'portkey', process: gateways.portkey, terminal: chatTerminal },
    { key: 'relay', process: gateways.relay, terminal: chatTerminal },
  ] as const;
  type Leg = (typeof legs)[number];
  interface StreamOutcome {
    passed?: { count: number; gap: number; perStreamKb?: number; cpuPerEvent?: number };
    failure: string;
    rssIdle: number;
  }
  const outcomes = Object.fromEntries(legs.map((leg) => [leg.key, { failure: '', rssIdle: leg.process?.rssBytes() ?? 0 }])) as Record<
    Leg['key'],
    StreamOutcome
  >;
  for (const count of STREAM_COUNTS) {
    for (const leg of legs) {
      const outcome = outcomes[leg.key];
      if (outcome.failure) continue;
      const target = t[leg.key];
      let rssPeak = outcome.rssIdle;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, leg.process?.rssBytes() ?? 0)), 50);
      const cpuBefore = leg.process?.cpuMicros() ?? 0;
      const results = await Promise.all(
        Array.from({ length: count }, () => stream(target, target.body('TOKENS 64 20', true), leg.terminal).catch(() => undefined)),
      );
      clearInterval(sampler);
      const cpu = (leg.process?.cpuMicros() ?? 0) - cpuBefore;
      const incomplete = results.filter((r) => !r || !r.complete || r.status !== 200).length;
      const gap = Math.max(...results.map((r) => (r ? largestGap(r.frameTimes) : Infinity)));
      if (incomplete > 0 || gap > MAX_GAP_MS) {
        outcome.failure = `at ${count}: ${incomplete} incomplete, largest gap ${Number.isFinite(gap) ? `${gap.toFixed(0)} ms` : '–'}`;
      } else {
        const events = results.reduce((sum, r) => sum + r!.frames, 0);
        outcome.passed = {
          count,
          gap,
          perStreamKb: leg.process && (rssPeak - outcome.rssIdle) / count / 1024,
          cpuPerEvent: leg.process && cpu / events,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const rows: string[] = [];
  const relay = outcomes.relay;
  for (const leg of legs) {
    const outcome = outcomes[leg.key];
    const { passed, failure } = outcome;
    const target = t[leg.key];
    // Live memory, after the runs above (a snapshot's own memory must not count in their RSS): the gateway with no
    // stream open, then holding as many (longer) streams open as passed.
    let liveKb: number | undefined;
    if (passed && leg.process) {
      const heapIdle = await heap.liveBytes(leg.process.pid);
      const open = Promise.all(
        Array.from({ length: passed.count }, () => stream(target, target.body('TOKENS 300 20', true), leg.terminal).catch(() => undefined)),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      liveKb = ((await heap.liveBytes(leg.process.pid)) - heapIdle) / passed.count / 1024;
      await open;
    }
    const against = leg.key === 'direct' ? '–' : leg.key === 'relay' ? '1×' : `${atLeast(relay) && '≤ '}${times(passed?.count ?? 0, relay.passed?.count)}`;
    rows.push(
      `| ${target.name} | ${passed ? `${atLeast(outcome)}${passed.count}` : 'none'} | ${against} | ${passed ? `${passed.gap.toFixed(0)} ms` : '–'} | ` +
        `${passed?.cpuPerEvent !== undefined ? `${passed.cpuPerEvent.toFixed(0)} µs` : '–'} | ${liveKb !== undefined ? `${liveKb.toFixed(0)} KB` : '–'} | ` +
        `${passed?.perStreamKb !== undefined ? `${passed.perStreamKb.toFixed(0)} KB` : '–'} | ${failure || 'every count passed'} |`,
    );
  }
  return [
    `**Concurrent streams**: the most simultaneous streams (of ${STREAM_COUNTS.join(', ')}; 64 tokens 20 ms apart) in which every event arrives and no gap between events exceeds ${MAX_GAP_MS} ms, the stub directly and the gateways taking turns count by count; responses-server stores every event; the ceiling is the stub streaming to the load generator directly (core 1 alone), the floor the bare relay. Gateway CPU per event: over the largest passing run, opening the streams included. Memory per open stream, two ways: the live JavaScript heap (heap snapshots, which hold only what is still referenced, of the gateway after those runs with no stream open and again holding as many streams open as passed, difference ÷ streams); and the gateway's peak RSS during the largest passing run less its RSS when idle (a fresh process), ÷ streams, which also counts garbage not yet collected and what any load grows once (V8's young generation, compiled code). Targets: ≥ 2,048 streams, ≤ 100 KB each.`,
    '',
    '| | most streams passed | against the floor | largest gap there | gateway CPU per event | live heap per open stream | peak RSS over idle, per stream | first failure |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}
