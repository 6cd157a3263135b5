import { DataSource } from 'typeorm';

import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { adminQuery, createFreshDatabase, type FreshDatabase } from './support/fresh-database';

describe('Migrations', () => {
  let db: FreshDatabase;
  beforeAll(async () => (db = await createFreshDatabase()));
  afterAll(() => db.drop());

  /** Reverts the newest migrations down to and including `name`. */
  const undoThrough = async (name: string) => {
    const dataSource = await new DataSource(dataSourceOptions(db.url, 1)).initialize();
    try {
      for (;;) {
        const [newest] = await dataSource.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`);
        // Without a transaction of its own: an index built concurrently is dropped concurrently.
        await dataSource.undoLastMigration({ transaction: 'none' });
        if (newest.name === name) return;
      }
    } finally {
      await dataSource.destroy();
    }
  };
  const event = (n: number, type: string) => `{"type":"${type}", "sequence_number":${n}}`;

  it('turns a log of one row per event into runs and back, every event kept as written', async () => {
    await adminQuery(db.url, `INSERT INTO responses (id, tenant_id, status, model, created_at, params) VALUES ('resp_m', 't', 'completed', 'm', now(), '{}')`);
    await adminQuery(db.url, `INSERT INTO response_events (response_id, first_sequence_number, last_sequence_number, events) VALUES ('resp_m', 0, 1, $1)`, [
      `[${event(0, 'response.created')},${event(1, 'response.completed')}]`,
    ]);

    await undoThrough('EventRuns1796000000000');
    const single = await adminQuery<{ sequence_number: number; type: string; payload: string }>(
      db.url,
      `SELECT sequence_number, type, payload::text AS payload FROM response_events ORDER BY sequence_number`,
    );
    expect(single).toEqual([
      { sequence_number: 0, type: 'response.created', payload: event(0, 'response.created') },
      { sequence_number: 1, type: 'response.completed', payload: event(1, 'response.completed') },
    ]);

    expect(await runMigrations(db.url)).toContain('EventRuns1796000000000');
    const runs = await adminQuery<{ first: number; last: number; events: string }>(
      db.url,
      `SELECT first_sequence_number AS first, last_sequence_number AS last, events::text AS events FROM response_events ORDER BY 1`,
    );
    expect(runs).toEqual([
      { first: 0, last: 0, events: `[${event(0, 'response.created')}]` },
      { first: 1, last: 1, events: `[${event(1, 'response.completed')}]` },
    ]);
  });

  it('marks as created with stream: true the responses whose events were logged before the flag existed', async () => {
    await adminQuery(
      db.url,
      `INSERT INTO responses (id, tenant_id, status, model, created_at, params) VALUES ('resp_polled', 't', 'queued', 'm', now(), '{}')`,
    );
    await undoThrough('ResponseStreamFlag1796200000000');
    expect(await runMigrations(db.url)).toContain('ResponseStreamFlag1796200000000');
    const rows = await adminQuery<{ id: string; stream: boolean }>(db.url, `SELECT id, stream FROM responses ORDER BY id`);
    expect(rows).toEqual([
      { id: 'resp_m', stream: true },
      { id: 'resp_polled', stream: false },
    ]);
  });
});
