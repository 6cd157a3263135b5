/**
 * The targets of the gateway's cost, each a ratio against baselines measured in the same run (absolute times vary
 * threefold between these machines): what opens BENCHMARKS.md, and what `npm run bench -- --quick` prints as a
 * regression guard (the same measurements, shorter: under 2 minutes).
 */
import { chatTerminal, type GatewayKey, type Gateways, oursTerminal, startGateways } from './gateway';
import { fixedRate, inParallel, largestGap, post, stepRates, stream, type Target } from './load';
import { percentile } from './support';

interface Sizes {
  warmUp: number;
  /** Streams through each streaming gateway before the stream step, so that its code is compiled as for the creates. */
  warmUpStreams: number;
  pairs: number;
  cpuRate: number;
  cpuSeconds: number;
  /** Rounds of the CPU measurement: each round measures every gateway, and the ratio is the median of the rounds'. */
  cpuRounds: number;
  rates: number[];
  rateSeconds: number;
  /** Runs per rate, judged by their median p99: one stall of this VM (or of Postgres's disk) must not decide a rate. */
  runsPerRate: number;
  streamCounts: number[];
}

const FULL: Sizes = {
  warmUp: 4000,
  warmUpStreams: 500,
  pairs: 300,
  cpuRate: 250,
  cpuSeconds: 5,
  cpuRounds: 5,
  rates: [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000],
  rateSeconds: 3,
  runsPerRate: 3,
  streamCounts: [128, 256, 512, 1024, 2048],
};
const QUICK: Sizes = {
  warmUp: 1500,
  warmUpStreams: 200,
  pairs: 150,
  cpuRate: 250,
  cpuSeconds: 4,
  cpuRounds: 1,
  rates: [250, 500, 750, 1000, 1500, 2000, 3000],
  rateSeconds: 1.5,
  runsPerRate: 1,
  streamCounts: [256, 512, 1024],
};
const MAX_P99_MS = 50;
const MAX_GAP_MS = 200;
const REQUEST_GATEWAYS: GatewayKey[] = ['ours', 'portkey', 'nest', 'relay'];

interface Figures {
  /** CPU per request of each gateway, round by round. */
  cpuPerRequest: Partial<Record<GatewayKey, number[]>>;
  highestRate: Partial<Record<GatewayKey, number>>;
  /** What failed at the first rate a gateway did not pass. */
  rateFailure: Partial<Record<GatewayKey, string>>;
  addedP50: Partial<Record<GatewayKey, number>>;
  /** Ours with `store: false`: what the added p50 is without the write a stored create waits for. */
  addedP50Unstored?: number;
  /** CPU per event at each stream count a gateway passed: the ratio compares the two at the same count. */
  cpuPerEvent: Map<number, Partial<Record<'ours' | 'relay', number>>>;
  streams: Partial<Record<'ours' | 'relay', number>>;
  /** What failed at the first stream count a gateway did not pass. */
  streamFailure: Partial<Record<'ours' | 'relay', string>>;
}

/** Measures every figure the targets need, and gives the table of ratios with what each ratio is of. */
export async function ratios(databaseUrl: string, quick: boolean): Promise<string[]> {
  const sizes = quick ? QUICK : FULL;
  const gateways = await startGateways(databaseUrl);
  const figures: Figures = { cpuPerRequest: {}, highestRate: {}, rateFailure: {}, addedP50: {}, cpuPerEvent: new Map(), streams: {}, streamFailure: {} };
  try {
    const t = gateways.targets;
    // The gateways take turns within each measurement, so that a slow spell of this VM falls on all of them alike.
    for (const key of REQUEST_GATEWAYS) await inParallel(sizes.warmUp, 4, () => expectOk(t[key]));
    const unstored: Target = { ...t.ours, body: (prompt, streamed) => ({ ...(t.ours.body(prompt, streamed) as object), store: false }) };
    for (const key of REQUEST_GATEWAYS) {
      figures.addedP50[key] = await addedP50(t.direct, t[key], sizes.pairs);
      if (key === 'ours') figures.addedP50Unstored = await addedP50(t.direct, unstored, sizes.pairs);
    }
    // Paired rounds: a slow spell of this VM falls on one round of every gateway, and the median of the rounds'
    // ratios leaves it out. The order turns round by round, so that no gateway always follows the same one.
    for (let round = 0; round < sizes.cpuRounds; round++) {
      for (const key of rotated(REQUEST_GATEWAYS, round)) {
        (figures.cpuPerRequest[key] ??= []).push(await cpuPerRequest(t[key], gateways[key], sizes));
      }
    }
    await highestRates(t, sizes, figures);
    for (const key of ['ours', 'relay'] as const) {
      await inParallel(sizes.warmUpStreams, 16, () => stream(t[key], t[key].body('TOKENS 64', true), terminalOf(key)));
    }
    const stopped = new Set<string>();
    for (const count of sizes.streamCounts) {
      for (const key of ['ours', 'relay'] as const) {
        if (!stopped.has(key) && !(await streams(t[key], gateways[key], key, count, figures))) stopped.add(key);
      }
    }
  } finally {
    await gateways.stop();
  }
  return table(figures, sizes);
}

async function expectOk(target: Target): Promise<void> {
  const reply = await post(target, target.body('hello', false));
  if (reply.status !== 200) throw new Error(`${target.name} answered ${reply.status}: ${reply.body}`);
}

/** The median of what a request through `target` takes over the same request to the stub, sent just before it. */
async function addedP50(direct: Target, target: Target, pairs: number): Promise<number> {
  const added: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const d = await post(direct, direct.body('hello', false));
    const g = await post(target, target.body('hello', false));
    added.push(g.ms - d.ms);
  }
  return percentile(added, 50);
}

/** The gateway's CPU (user + system, every thread) per request at a fixed rate every gateway passes, idle costs included. */
async function cpuPerRequest(target: Target, gateway: Gateways[GatewayKey], sizes: Sizes): Promise<number> {
  const before = gateway.cpuMicros();
  const result = await fixedRate(target, target.body('hello', false), sizes.cpuRate, sizes.cpuSeconds);
  if (result.errors > 0) throw new Error(`${target.name}: ${result.errors} errors at ${sizes.cpuRate} req/s`);
  return (gateway.cpuMicros() - before) / result.sent;
}

/** For each gateway, the highest of `sizes.rates` it passed (no error, median p99 ≤ 50 ms, open loop), and what failed at the next. */
async function highestRates(t: Record<GatewayKey, Target>, sizes: Sizes, figures: Figures): Promise<void> {
  const outcomes = await stepRates(REQUEST_GATEWAYS, sizes.rates, {
    target: (key) => t[key],
    runsPerRate: sizes.runsPerRate,
    seconds: sizes.rateSeconds,
    maxP99Ms: MAX_P99_MS,
  });
  for (const key of REQUEST_GATEWAYS) {
    figures.highestRate[key] = outcomes[key].passed?.rate;
    if (outcomes[key].failure) figures.rateFailure[key] = outcomes[key].failure;
  }
}

/** The frame that ends a stream through a streaming gateway: ours speaks the Responses API, the relay Chat Completions. */
const terminalOf = (key: 'ours' | 'relay') => (key === 'ours' ? oursTerminal : chatTerminal);

/** `count` streams (64 tokens 20 ms apart) through one gateway: passed when every event arrives with no gap over 200 ms. */
async function streams(target: Target, gateway: Gateways['ours'], key: 'ours' | 'relay', count: number, figures: Figures): Promise<boolean> {
  const terminal = terminalOf(key);
  const cpuBefore = gateway.cpuMicros();
  const results = await Promise.all(Array.from({ length: count }, () => stream(target, target.body('TOKENS 64 20', true), terminal).catch(() => undefined)));
  const cpu = gateway.cpuMicros() - cpuBefore;
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (!results.every((r) => r?.complete && r.status === 200 && largestGap(r.frameTimes) <= MAX_GAP_MS)) {
    const incomplete = results.filter((r) => !r?.complete || r.status !== 200).length;
    const gap = Math.max(...results.map((r) => (r ? largestGap(r.frameTimes) : 0)));
    figures.streamFailure[key] = `at ${count}: ${incomplete} incomplete, largest gap ${gap.toFixed(0)} ms`;
    return false;
  }
  figures.streams[key] = count;
  figures.cpuPerEvent.set(count, { ...figures.cpuPerEvent.get(count), [key]: cpu / results.reduce((sum, r) => sum + r!.frames, 0) });
  return true;
}

function table(f: Figures, sizes: Sizes): string[] {
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);
  // Portkey failing the lowest rate tried passed less than it: the ratio against that rate is a lower bound.
  const portkeyRate = f.highestRate.portkey ?? sizes.rates[0];
  // Per event, a gateway costs less the more streams share its wake-ups: the two are compared at the same count.
  const eventCount = Math.max(...[...f.cpuPerEvent].filter(([, cpu]) => cpu.ours !== undefined && cpu.relay !== undefined).map(([count]) => count));
  const perEvent = f.cpuPerEvent.get(eventCount) ?? {};
  const rows: Array<[string, number | undefined, string, (r: number) => boolean, string, string?]> = [
    [
      'CPU per stored create ÷ the NestJS relay’s per request',
      pairedRatio(f.cpuPerRequest.ours, f.cpuPerRequest.nest),
      '≤ 2×',
      (r) => r <= 2,
      `${us(median(f.cpuPerRequest.ours))} ÷ ${us(median(f.cpuPerRequest.nest))} at ${sizes.cpuRate} req/s, ${sizes.cpuRounds === 1 ? 'one round' : `medians of ${sizes.cpuRounds} rounds`} (Portkey ${us(median(f.cpuPerRequest.portkey))}, bare relay ${us(median(f.cpuPerRequest.relay))})`,
    ],
    [
      'Highest passing rate ÷ the NestJS relay’s',
      ratio(f.highestRate.ours, f.highestRate.nest),
      '≥ 0.5×',
      (r) => r >= 0.5,
      `${rate(f.highestRate.ours)} ÷ ${rate(f.highestRate.nest)} (bare relay ${rate(f.highestRate.relay)}); ours failed ${f.rateFailure.ours ?? 'no rate'}`,
    ],
    [
      'Highest passing rate ÷ Portkey’s',
      ratio(f.highestRate.ours, portkeyRate),
      '≥ 2×',
      (r) => r >= 2,
      `${rate(f.highestRate.ours)} ÷ ${f.highestRate.portkey ? rate(portkeyRate) : `under ${rate(portkeyRate)}`}; Portkey failed ${f.rateFailure.portkey ?? 'no rate'}`,
      f.highestRate.portkey ? '' : '> ',
    ],
    [
      'Added p50 ÷ Portkey’s',
      ratio(f.addedP50.ours, f.addedP50.portkey),
      '≤ 1×',
      (r) => r <= 1,
      `${ms(f.addedP50.ours)} ÷ ${ms(f.addedP50.portkey)} (ours with \`store: false\` ${ms(f.addedP50Unstored)}, NestJS relay ${ms(f.addedP50.nest)}, bare relay ${ms(f.addedP50.relay)})`,
    ],
    [
      'CPU per stream event ÷ the bare relay’s',
      ratio(perEvent.ours, perEvent.relay),
      '≤ 1.5×',
      (r) => r <= 1.5,
      `${us(perEvent.ours)} ÷ ${us(perEvent.relay)} at ${Number.isFinite(eventCount) ? eventCount : 'no count both passed'} streams`,
    ],
    [
      'Concurrent streams ÷ the bare relay’s',
      ratio(f.streams.ours, f.streams.relay),
      '≥ 0.75×',
      (r) => r >= 0.75,
      `${f.streams.ours ?? 'none'} ÷ ${f.streams.relay ?? 'none'} (of ${sizes.streamCounts.join(', ')}); ours failed ${f.streamFailure.ours ?? 'no count'}`,
    ],
  ];
  return [
    '| | ratio | target | met | measured |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([what, value, target, met, measured, bound = '']) =>
        `| ${what} | ${value === undefined ? '–' : `${bound}${value.toFixed(2)}×`} | ${target} | ${value !== undefined && met(value) ? 'yes' : 'no'} | ${measured} |`,
    ),
  ];
}

const median = (values: number[] | undefined) => (values?.length ? percentile(values, 50) : undefined);

/** The median of the rounds' ratios (each round measures every gateway once, close together in time). */
function pairedRatio(values: number[] | undefined, baselines: number[] | undefined): number | undefined {
  if (!values?.length || values.length !== baselines?.length) return undefined;
  return percentile(
    values.map((value, round) => value / baselines[round]),
    50,
  );
}

function rotated<T>(items: T[], by: number): T[] {
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

const us = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} µs`);
const ms = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)} ms`);
const rate = (value: number | undefined) => (value ? `${value} req/s` : 'none');
