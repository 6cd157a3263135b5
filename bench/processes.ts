import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../test/support/server-process';

/** Whether `taskset` can pin processes to cores here (Linux with util-linux). */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this process (all its threads, and the children it starts from now on) to `cores`. */
export function pinSelf(cores: string): void {
  if (canPin) execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

export interface BenchProcess {
  name: string;
  pid: number;
  url: string;
  /** CPU time (user + system) the process has used, in microseconds. */
  cpuMicros(): number;
  /** Resident memory, in bytes. */
  rssBytes(): number;
  /** The last few KB the process wrote to stdout and stderr. */
  output(): string;
  /** Stops the process where it stands (SIGSTOP) until `resume` (SIGCONT). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** Starts `command args` pinned to `cores`, and waits until `readyPath` on its port answers. */
export async function startProcess(options: {
  name: string;
  cores: string;
  command: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
  readyPath: string;
  readyHeaders?: Record<string, string>;
}): Promise<BenchProcess> {
  const port = await freePort();
  const args = options.args(port);
  const child: ChildProcess = canPin
    ? spawn('taskset', ['-c', options.cores, options.command, ...args], {
        env: { ...process.env, ...options.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(options.command, args, { env: { ...process.env, ...options.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited at start:\n${output}`);
    const ready = await fetch(`${url}${options.readyPath}`, { headers: options.readyHeaders }).then(
      (res) => res.status < 500,
      () => false,
    );
    if (ready) break;
    if (waited > 60_000) throw new Error(`${options.name} not ready after 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid!;
  return {
    name: options.name,
    pid,
    url,
    cpuMicros: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
    },
    output: () => output,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT'); // a paused process would not act on SIGTERM
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const ROOT = join(__dirname, '..');

/** The stub upstream (`bench/stub-server.ts`) as a process of its own, pinned to `cores`. */
export function startStubProcess(cores: string): Promise<BenchProcess> {
  return startProcess({
    name: 'stub',
    cores,
    command: process.execPath,
    args: (port) => ['-r', '@swc-node/register', join(ROOT, 'bench/stub-server.ts'), String(port)],
    readyPath: '/v1/models',
  });
}

/** responses-server as a process of its own, pinned to `cores`, logging only warnings (as Portkey logs no requests). */
export function startServerProcess(options: {
  name?: string;
  cores: string;
  databaseUrl: string;
  upstream: BenchProcess;
  env?: Record<string, string>;
  /** Node's own options, e.g. `--cpu-prof` to profile a run. */
  nodeArgs?: string[];
}): Promise<BenchProcess> {
  return startProcess({
    name: options.name ?? 'responses-server',
    cores: options.cores,
    command: process.execPath,
    args: () => [...(options.nodeArgs ?? []), '-r', '@swc-node/register', join(ROOT, 'src/main.ts')],
    env: { DATABASE_URL: options.databaseUrl, UPSTREAM_BASE_URL: `${options.upstream.url}/v1`, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...options.env },
    readyPath: '/ready',
  });
}
