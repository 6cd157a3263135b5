import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The injection token of this process's id: host, pid and a random part (a restarted pid is another process). */
export const PROCESS_ID = Symbol('PROCESS_ID');

export function newProcessId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}
