import { createHash } from 'node:crypto';

import { Client } from 'pg';

// One map per prefix, keyed by the text itself: a constant whose hash V8 keeps, so a lookup costs no hashing.
const names = { s: new Map<string, string>(), b: new Map<string, string>() };

/**
 * The statement name of a query text: the same text always gets the same name, on every connection. `prefix` keeps
 * apart statements prepared by different means (`s`: this client's; `b`: batches', see statement-batch.ts).
 */
export function statementName(text: string, prefix: 's' | 'b' = 's'): string {
  let name = names[prefix].get(text);
  if (!name) {
    name = `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names[prefix].set(text, name);
  }
  return name;
}

/**
 * A pg client that prepares every parameterized query once per connection and then only binds and executes it.
 * Postgres otherwise parses and plans each one again on every call, which was half of its CPU per stored response.
 * Queries without parameters (DDL, transaction control) go through unchanged. Our query texts are constants (a few
 * dozen), so the statements each connection keeps stay few.
 */
export class PreparingClient extends Client {
  // pg's typings overload query() many ways; this passes every form through and names only (text, values).
  override query(...args: any[]): any {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values)) {
      const prepared = { text, values, name: statementName(text) };
      return callback === undefined ? super.query(prepared) : super.query(prepared, callback);
    }
    return (super.query as (...forwarded: any[]) => any)(...args);
  }
}
