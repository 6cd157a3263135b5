/**
 * `npm run bench:profile`: where a stored create's and a streamed create's CPU goes. For each, a server process of its
 * own (pinned to core 0, as in the gateway benchmark) with `--cpu-prof` and `bench/call-counts.ts` preloaded is
 * warmed up, then sent PROFILE_REQUESTS requests 4 at a time; it prints the CPU per request, the Postgres round trips
 * and the JSON parses and serializations per request, and the profile's self time grouped by where the code lives.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { inParallel, post, stream, type Target } from './load';
import { pinSelf, startServerProcess, startStubProcess } from './processes';
import { startBenchDatabase } from './support';

const ROOT = join(__dirname, '..');
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 3000);
const WARM_UP = Number(process.env.PROFILE_WARM_UP ?? 3000);
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 4);
const TOKENS = Number(process.env.PROFILE_TOKENS ?? 64);
// PROFILE_TOKEN_DELAY_MS: the stub's pause between tokens (the ratio benchmark's streams use 20 ms, so that each event
// wakes the server on its own); none by default.
const TOKEN_DELAY_MS = process.env.PROFILE_TOKEN_DELAY_MS;
// PROFILE_STORE=false: the same requests with `store: false`, to tell what storing costs.
const STORE = process.env.PROFILE_STORE !== 'false';

interface Counts {
  queries: number;
  queryKinds: Record<string, number>;
  parses: number;
  parsedBytes: number;
  stringifies: number;
  stringifiedBytes: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Where a function's code lives: a package, a file of ours, Node's internals, or V8's own entries. */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'anonymous'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return relative(ROOT, url.replace(/^file:\/\//, ''));
}

/** Monotonic time in µs, the clock of V8's profiles. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Self time by place, and by function, as fractions of the samples taken while busy within `window` (monotonic µs:
 * the measured requests, without start-up and warm-up).
 */
function summarize(profilePath: string, window: [number, number]): { places: Array<[string, number]>; functions: Array<[string, number]> } {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let time = profile.startTime;
  for (const [index, id] of profile.samples.entries()) {
    time += profile.timeDeltas[index];
    if (time < window[0] || time > window[1]) continue;
    const { callFrame } = byId.get(id)!;
    if (callFrame.functionName === '(idle)') continue;
    busy += 1;
    const place = placeOf(callFrame.url, callFrame.functionName);
    places.set(place, (places.get(place) ?? 0) + 1);
    const fn = `${callFrame.functionName || '(anonymous)'} ${place}:${callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + 1);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]): [string, number] => [name, count / busy]);
  return { places: top(places, 30), functions: top(functions, 40) };
}

async function profileOne(kind: 'stored' | 'streamed', databaseUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `profile-${kind}-`));
  const countsFile = join(dir, 'counts.jsonl');
  const stub = await startStubProcess('1');
  const server = await startServerProcess({
    cores: '0',
    databaseUrl,
    upstream: stub,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '-r', '@swc-node/register', '-r', join(ROOT, 'bench/call-counts.ts')],
    env: { CALL_COUNTS_FILE: countsFile },
  });
  const target: Target = {
    name: 'responses-server',
    url: server.url,
    path: '/v1/responses',
    headers: {},
    body: (prompt, streamed) => ({ model: 'bench', input: prompt, stream: streamed, store: STORE }),
    isFirstText: () => false,
  };
  const window: [number, number] = [0, 0];
  const once = async () => {
    if (kind === 'stored') {
      const reply = await post(target, target.body('hello', false));
      if (reply.status !== 200) throw new Error(`${reply.status}: ${reply.body}`);
    } else {
      const result = await stream(target, target.body(`TOKENS ${TOKENS}${TOKEN_DELAY_MS ? ` ${TOKEN_DELAY_MS}` : ''}`, true), (frame) =>
        frame.startsWith('event: response.completed'),
      );
      if (!result.complete) throw new Error('a stream did not complete');
    }
  };
  try {
    const idleBefore = server.cpuMicros();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idlePerSecond = (server.cpuMicros() - idleBefore) / 5;
    await inParallel(WARM_UP, CONCURRENCY, once);
    process.kill(server.pid, 'SIGUSR2');
    const cpuBefore = server.cpuMicros();
    const started = performance.now();
    window[0] = monotonicMicros();
    await inParallel(REQUESTS, CONCURRENCY, once);
    window[1] = monotonicMicros();
    const seconds = (performance.now() - started) / 1000;
    const cpu = server.cpuMicros() - cpuBefore;
    process.kill(server.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const counts = readFileSync(countsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Counts)[1];
    const per = (value: number) => (value / REQUESTS).toFixed(2);
    console.log(
      `\n## ${kind} create (${STORE ? '' : 'store: false, '}${kind === 'streamed' ? `${TOKENS} tokens${TOKEN_DELAY_MS ? ` ${TOKEN_DELAY_MS} ms apart` : ''}, ` : ''}${REQUESTS} requests, ${CONCURRENCY} at a time, after ${WARM_UP})`,
    );
    console.log(
      `CPU per request: ${(cpu / REQUESTS).toFixed(0)} µs (${(REQUESTS / seconds).toFixed(0)} req/s; idle: ${idlePerSecond.toFixed(0)} µs of CPU per second)`,
    );
    console.log(`Postgres round trips per request: ${per(counts.queries)}`);
    for (const [statement, n] of Object.entries(counts.queryKinds).sort((a, b) => b[1] - a[1])) console.log(`  ${per(n)}  ${statement}`);
    console.log(
      `JSON.parse per request: ${per(counts.parses)} (${per(counts.parsedBytes)} chars); JSON.stringify: ${per(counts.stringifies)} (${per(counts.stringifiedBytes)} chars)`,
    );
  } finally {
    await server.stop();
    await stub.stop();
  }
  const profile = readdirSync(dir).find((file) => file.endsWith('.cpuprofile'));
  if (!profile) throw new Error(`no profile written in ${dir}`);
  const { places, functions } = summarize(join(dir, profile), window);
  console.log(`Self time by place, while the measured requests ran (${join(dir, profile)}):`);
  for (const [place, share] of places) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${place}`);
  console.log('Hottest functions:');
  for (const [fn, share] of functions) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${fn}`);
}

async function main(): Promise<void> {
  pinSelf('1');
  const database = await startBenchDatabase();
  try {
    const only = process.env.PROFILE_ONLY;
    if (only !== 'streamed') await profileOne('stored', database.url);
    if (only !== 'stored') await profileOne('streamed', database.url);
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
