/**
 * Preloaded into a server under profile (`node -r @swc-node/register -r bench/call-counts.ts`): counts its Postgres queries (each one a
 * round trip: node-postgres sends one at a time per connection) and its JSON.parse / JSON.stringify calls. On
 * SIGUSR2 it appends the counts since the last SIGUSR2 to CALL_COUNTS_FILE, as a JSON line, and starts again.
 */
import { appendFileSync } from 'node:fs';

import { Client } from 'pg';

const counts = { queries: 0, queryKinds: {} as Record<string, number>, parses: 0, parsedBytes: 0, stringifies: 0, stringifiedBytes: 0 };

// Every query goes through Client#query (the pool's clients are PreparingClients, which call it).
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its client below (apply)
const query = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
Client.prototype.query = function countedQuery(this: Client, ...args: unknown[]) {
  counts.queries += 1;
  const config = args[0] as string | { text?: string } | undefined;
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const kind = text.slice(0, 80).trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 40);
  counts.queryKinds[kind] = (counts.queryKinds[kind] ?? 0) + 1;
  return query.apply(this, args);
} as typeof Client.prototype.query;

const parse = JSON.parse;
JSON.parse = (text: string, reviver?: (key: string, value: unknown) => unknown): unknown => {
  counts.parses += 1;
  counts.parsedBytes += typeof text === 'string' ? text.length : 0;
  return parse(text, reviver);
};
const stringify = JSON.stringify;
JSON.stringify = ((value: unknown, replacer?: never, space?: string | number): string => {
  const text = stringify(value, replacer, space);
  counts.stringifies += 1;
  counts.stringifiedBytes += typeof text === 'string' ? text.length : 0;
  return text;
}) as typeof JSON.stringify;

process.on('SIGUSR2', () => {
  appendFileSync(process.env.CALL_COUNTS_FILE!, `${stringify(counts)}\n`);
  counts.queries = counts.parses = counts.parsedBytes = counts.stringifies = counts.stringifiedBytes = 0;
  counts.queryKinds = {};
});
