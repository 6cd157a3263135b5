import { Client } from 'pg';

import { RetentionPurger } from '../src/retention/retention-purger';
import { createFreshDatabase, type FreshDatabase, tablesHolding } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

/** RETENTION_DAYS: what has expired is purged; `store: false` keeps nothing at all. */
describe('Retention', () => {
  let db: FreshDatabase;
  let server: TestServer;
  let pg: Client;
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({ RETENTION_DAYS: '7' }, db.url);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await server.close();
    await db.drop();
  });

  const age = (table: string, column: string, where: string, id: string) =>
    pg.query(`UPDATE ${table} SET ${column} = now() - interval '8 days' WHERE ${where} = $1`, [id]);

  it('purges responses (items, events and all), and conversations whose last item has expired, and leaves the rest', async () => {
    const { client } = server;
    const old = await client.responses.create({ model: 'm', input: 'Old news' });
    let streamed = '';
    for await (const event of await client.responses.create({ model: 'm', input: 'Old stream', stream: true }))
      if (event.type === 'response.completed') streamed = event.response.id;
    const recent = await client.responses.create({ model: 'm', input: 'Fresh' });
    const quiet = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'Long ago' }] });
    const busy = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'Long ago too' }] });
    await client.conversations.items.create(busy.id, { items: [{ type: 'message', role: 'user', content: 'But lately' }] });
    for (const id of [old.id, streamed]) await age('responses', 'created_at', 'id', id);
    for (const id of [quiet.id, busy.id]) await age('conversations', 'created_at', 'id', id);
    await pg.query(
      `UPDATE conversation_items SET added_at = now() - interval '8 days' WHERE conversation_id = $1 OR (conversation_id = $2 AND item->>'content' LIKE '%Long ago%')`,
      [quiet.id, busy.id],
    );

    const purged = await server.app.get(RetentionPurger).purge();
    expect(purged).toMatchObject({ responses: 2, conversations: 1 });
    for (const id of [old.id, streamed]) {
      await expect(client.responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
      expect(await tablesHolding(db.url, id)).toEqual({});
    }
    await expect(client.conversations.retrieve(quiet.id)).rejects.toMatchObject({ status: 404 });
    expect(await tablesHolding(db.url, quiet.id)).toEqual({});
    expect((await client.responses.retrieve(recent.id)).id).toBe(recent.id);
    expect((await client.conversations.retrieve(busy.id)).id).toBe(busy.id);
  });

  it('keeps nothing of a store: false response, streamed or not', async () => {
    const { client } = server;
    const plain = await client.responses.create({ model: 'm', input: 'Forget me', store: false });
    let streamed = '';
    for await (const event of await client.responses.create({ model: 'm', input: 'Forget me too', store: false, stream: true }))
      if (event.type === 'response.completed') streamed = event.response.id;
    for (const id of [plain.id, streamed]) expect(await tablesHolding(db.url, id)).toEqual({});
    expect(await tablesHolding(db.url, 'Forget me')).toEqual({});
  });
});
