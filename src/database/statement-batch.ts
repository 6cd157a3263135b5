import type { Pool, PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

import { statementName } from './preparing-client';
import type { Transaction } from './transaction';

// pg's own conversion of a parameter to the text it sends (arrays, dates, JSON); its typings leave lib/utils out.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => string | null };

interface Statement {
  sql: string;
  parameters: unknown[];
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** The statements each connection has prepared for batches (by name), as far as this process knows. */
const preparedOn = new WeakMap<PoolClient, Set<string>>();

/**
 * Writes that commit together in one round trip. The modules that join get a `Transaction` as they would inside a
 * transaction, and register their statements without awaiting one another's (none may need another's answer); the
 * batch then goes to Postgres as one simple-protocol query, which Postgres runs as one implicit transaction: every
 * statement commits, or none. A transaction of two statements is four round trips (begin, two statements, commit):
 * for a stored response, the round trips were most of what its end cost this process.
 *
 * The statements stay prepared: each runs as `EXECUTE` of a statement the connection prepared the first time (the
 * parameters inlined as escaped literals), so that Postgres plans it once per connection, as it does for other queries.
 */
export class StatementBatch implements Transaction {
  private readonly statements: Statement[] = [];
  private sent = false;

  /** Registers a statement; its result (as TypeORM's `query` gives it) comes once the batch has run. */
  query(sql: string, parameters: unknown[] = []): Promise<any> {
    if (this.sent) return Promise.reject(new Error('A statement joined a batch already sent: every statement must be registered before the batch is sent.'));
    return new Promise((resolve, reject) => this.statements.push({ sql, parameters, resolve, reject }));
  }

  /**
   * Runs `work`, which registers its statements on the batch, then sends them as one query; resolves with what
   * `work` resolves with, once everything has committed.
   */
  static async run<T>(dataSource: DataSource, work: (batch: Transaction) => Promise<T>): Promise<T> {
    const batch = new StatementBatch();
    const done = work(batch);
    // `work`'s failure is reported by `done`; the batch then has nothing (or less) to send.
    done.catch(() => undefined);
    await batch.send(dataSource);
    return done;
  }

  private async send(dataSource: DataSource): Promise<void> {
    this.sent = true;
    if (this.statements.length === 0) return;
    try {
      await this.sendOn(poolOf(dataSource));
    } catch (error) {
      for (const statement of this.statements) statement.reject(error);
      throw error;
    }
  }

  private async sendOn(pool: Pool): Promise<void> {
    // The pool's client itself: a TypeORM query runner (with its entity manager) costs a batch more than its use here.
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      const prepared = preparedOn.get(client) ?? new Set<string>();
      preparedOn.set(client, prepared);
      const preparations: string[] = [];
      const executions = this.statements.map(({ sql, parameters }) => {
        const name = statementName(sql, 'b');
        if (!prepared.has(name) && !preparations.some((text) => text.startsWith(`PREPARE ${name} `))) preparations.push(`PREPARE ${name} AS ${sql}`);
        return parameters.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${parameters.map(literalOf).join(', ')})`;
      });
      let results: QueryResult[];
      try {
        const answer = (await client.query([...preparations, ...executions].join(';\n'))) as QueryResult | QueryResult[];
        results = Array.isArray(answer) ? answer : [answer];
      } catch (error) {
        // What the failed query prepared before it failed is unknown: ask the connection.
        await resync(client, prepared).catch(() => undefined);
        throw error;
      }
      for (const text of preparations) prepared.add(text.split(' ')[1]);
      const ofExecutions = results.slice(preparations.length);
      this.statements.forEach((statement, index) => statement.resolve(asTypeOrmResult(ofExecutions[index])));
    } finally {
      client.off('error', onError);
      // A client whose connection failed leaves the pool.
      client.release(broken);
    }
  }
}

function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * A parameter as an SQL literal, as pg would have sent it as a parameter. Postgres takes no NUL in a query's text, so
 * a value with one is refused here (as Postgres refuses it in a text parameter) rather than cut short.
 */
function literalOf(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null) return 'NULL';
  if (prepared.includes('\u0000')) throw new Error('A parameter holds a NUL character, which Postgres text cannot hold.');
  // As pg's escapeLiteral, in native string operations (it builds the literal a character at a time). A literal with
  // a backslash is an E'' literal, with backslashes doubled: read the same whatever standard_conforming_strings says.
  const quoted = prepared.replaceAll("'", "''");
  return prepared.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** What TypeORM's `query` answers for a statement: its rows, and for UPDATE and DELETE, its rows and row count. */
function asTypeOrmResult(result: QueryResult): unknown {
  return result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount] : result.rows;
}

async function resync(client: PoolClient, prepared: Set<string>): Promise<void> {
  const { rows } = await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'b\\_%'`);
  prepared.clear();
  for (const { name } of rows) prepared.add(name);
}
