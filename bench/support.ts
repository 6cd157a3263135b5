import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';

import type { NestExpressApplication } from '@nestjs/platform-express';
import OpenAI from 'openai';

import { loadConfig } from '../src/config/app-config';
import { runMigrations } from '../src/database/migrate';
import { createServer } from '../src/server';
import { startEphemeralPostgres } from '../test/support/ephemeral-postgres';
import { type KernelCosts, measureKernelCosts } from './kernel-costs';
import { StealWatch } from './steal';

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set, an embedded Postgres in a temporary folder otherwise; migrated. */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEphemeralPostgres('bench-pg');
  const url = process.env.DATABASE_URL ?? embedded!.url;
  await runMigrations(url);
  return { url, stop: async () => embedded?.stop() };
}

export interface BenchServer {
  app: NestExpressApplication;
  client: OpenAI;
  close(): Promise<void>;
}

/** The server in this process, listening on a free port. */
export async function startBenchServer(databaseUrl: string, env: Record<string, string>): Promise<BenchServer> {
  const app = await createServer(loadConfig({ LOG_LEVEL: 'silent', ...env }), databaseUrl);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, client: benchClient(`http://127.0.0.1:${port}`), close: () => app.close() };
}

/** The official SDK pointed at a server under test, with no retries (a retry would hide a failure from a benchmark). */
export function benchClient(serverUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${serverUrl}/v1`, apiKey: 'bench', maxRetries: 0 });
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

let kernelCosts: KernelCosts | undefined;
const steal = new StealWatch();

/** Measures the machine's kernel costs once, at the start of a run, for `machine()` to print with every table. */
export async function measureMachine(): Promise<void> {
  kernelCosts = await measureKernelCosts();
}

/** Starts watching the time stolen from the cores, for `machine()` to print with the tables of the benchmark now starting. */
export function watchSteal(): void {
  steal.start();
}

export function machine(): string {
  const database = process.env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL';
  const stolen = steal.describe();
  const kernel = kernelCosts
    ? ` (kernel: a system call ${kernelCosts.systemCallUs.toFixed(1)} µs, a loopback TCP round trip ${kernelCosts.loopbackRoundTripUs.toFixed(0)} µs${stolen ? `; ${stolen}` : ''})`
    : '';
  return `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}${kernel}, Node ${process.version}, ${database}`;
}

/** Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` of BENCHMARKS.md, and prints it. */
export function writeSection(name: string, lines: string[]): void {
  const section = [`<!-- ${name}:start -->`, ...lines, `<!-- ${name}:end -->`].join('\n');
  const file = join(__dirname, '..', 'BENCHMARKS.md');
  const current = readFileSync(file, 'utf8');
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
  console.log(section);
}

/** The installed version of an npm package. */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}
