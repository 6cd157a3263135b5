import { setTimeout as sleep } from 'node:timers/promises';

/** Socket errors of a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** SQLSTATEs of a server that is going away, starting or full: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres and TypeORM say when a connection ends or cannot be had in time; they set no code. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * Whether an error means the database could not be reached (down, restarting, unreachable, full), as opposed to a
 * statement it refused: such a failure is nobody's fault in the request, and passes once the database is back.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  return driverError !== undefined && driverError !== error && isDatabaseUnreachable(driverError);
}

/**
 * Whether the error is the pool's wait for a free connection running out: every connection was busy for that long.
 * The database may be answering all of them; this process is overloaded, which a request is told as an outage is (503,
 * Retry-After) but which does not mean the database is down. (A new connection that does not open in time fails
 * otherwise: "connection timeout".)
 */
export function isPoolExhausted(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { message, driverError } = error as { message?: unknown; driverError?: unknown };
  if (message === 'timeout exceeded when trying to connect') return true;
  return driverError !== undefined && driverError !== error && isPoolExhausted(driverError);
}

/**
 * Runs a write, and runs it again while the database cannot be reached, for at most `budgetMs` (backing off from
 * 250 ms to 2 s): a result the model already produced waits out a short outage instead of being thrown away. With
 * `duplicateMeansDone`, a unique violation on a later attempt means an earlier one committed before its answer was
 * lost.
 */
export async function retryWhileUnreachable<T>(write: () => Promise<T>, budgetMs: number, options: { duplicateMeansDone?: () => T } = {}): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delayMs = 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt > 0 && options.duplicateMeansDone && (error as { code?: unknown }).code === '23505') return options.duplicateMeansDone();
      if (!isDatabaseUnreachable(error) || Date.now() + delayMs > deadline) throw error;
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }
}
