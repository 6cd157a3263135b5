import { DataSource } from 'typeorm';

import { type CountedConnection, countedConnection } from '../../test/support/rows-read';
import type { InputItem } from '../common/openai/types';
import { dataSourceOptions } from '../database/data-source-options';
import { ConversationsRepository } from './conversations.repository';

/** On real Postgres: a long conversation costs a turn or a page what they read of it, not its length. */
describe('ConversationsRepository with a conversation of 20,000 items', () => {
  const tenant = `tenant_${Date.now()}`;
  const id = `conv_long_${Date.now()}`;
  const item = (n: number): InputItem => ({ id: `msg_${id}_${n}`, type: 'message', role: 'user', content: `question ${n}` });
  /** The size of each item as Postgres measures it (jsonb's text): they are alike but for their number, 5 digits each. */
  let itemBytes: number;
  const ITEMS = 20_000;
  let dataSource: DataSource;
  let counted: CountedConnection;
  let repository: ConversationsRepository;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!, 2)).initialize();
    // Numbered from 10,000 so that every item's JSON has the same size.
    await new ConversationsRepository(dataSource).insert(
      tenant,
      id,
      {},
      Array.from({ length: ITEMS }, (_, index) => item(10_000 + index)),
    );
    // As autovacuum would after such a load: the planner then knows the table is large.
    await dataSource.query('ANALYZE conversation_items');
    const [{ size }] = await dataSource.query(`SELECT octet_length($1::jsonb::text) AS size`, [JSON.stringify(item(10_000))]);
    itemBytes = size;
    counted = await countedConnection();
    repository = new ConversationsRepository(counted.dataSource);
  });
  afterAll(async () => {
    await counted.end();
    await dataSource.query('DELETE FROM conversations WHERE id = $1', [id]);
    await dataSource.destroy();
  });

  it('gives a turn its newest items that fit, reading them and the sizes of a few more, not the 20,000', async () => {
    const tenFit = itemBytes * 10 + 5;
    const { result, rowsRead } = await counted.reading('conversation_items', () => repository.history(tenant, id, tenFit));
    expect(result).toEqual({ items: Array.from({ length: 10 }, (_, index) => item(10_000 + ITEMS - 10 + index)), cut: true });
    // The items kept, and the sizes of at most twice as many and 8 (chunks of 8, 16, …).
    expect(rowsRead).toBeLessThanOrEqual(10 + 2 * 10 + 8);
  });

  it('gives every item, oldest first, when all fit', async () => {
    const history = await repository.history(tenant, id, 64 * 1024 * 1024);
    expect(history?.cut).toBe(false);
    expect(history?.items).toHaveLength(ITEMS);
    expect(history?.items[0]).toEqual(item(10_000));
    expect(history?.items.at(-1)).toEqual(item(10_000 + ITEMS - 1));
  });

  it("tells an empty conversation from another tenant's or none", async () => {
    const empty = `conv_empty_${Date.now()}`;
    await new ConversationsRepository(dataSource).insert(tenant, empty, {}, []);
    expect(await repository.history(tenant, empty, 1000)).toEqual({ items: [], cut: false });
    expect(await repository.history('another tenant', id, 1000)).toBeNull();
    expect(await repository.history(tenant, 'conv_none', 1000)).toBeNull();
  });

  it('measures the items added before sizes were kept as it reads them', async () => {
    const old = `conv_old_${Date.now()}`;
    const oldItem = (n: number): InputItem => ({ ...item(n), id: `msg_${old}_${n}` });
    const writer = new ConversationsRepository(dataSource);
    await writer.insert(tenant, old, {}, [oldItem(10_001), oldItem(10_002)]);
    await dataSource.query('UPDATE conversation_items SET size = NULL WHERE conversation_id = $1', [old]);
    await writer.append([{ conversationId: old, items: [oldItem(10_003)] }]);
    const [{ size }] = await dataSource.query(`SELECT octet_length($1::jsonb::text) AS size`, [JSON.stringify(oldItem(10_001))]);
    expect(await repository.history(tenant, old, size * 2 + 1)).toEqual({ items: [oldItem(10_002), oldItem(10_003)], cut: true });
    await dataSource.query('DELETE FROM conversations WHERE id = $1', [old]);
  });

  it.each(['asc', 'desc'] as const)('reads a page (%s) after an item in the middle from the index: the page and its cursor', async (order) => {
    const cursor = item(10_000 + ITEMS / 2).id!;
    const { result: page, rowsRead } = await counted.reading('conversation_items', () =>
      repository.itemsPage(id, { after: cursor, limit: 20, order, maxBytes: 1024 * 1024 }),
    );
    const first = order === 'asc' ? 10_000 + ITEMS / 2 + 1 : 10_000 + ITEMS / 2 - 1;
    expect(page.items).toEqual(Array.from({ length: 20 }, (_, index) => item(order === 'asc' ? first + index : first - index)));
    expect(page.hasMore).toBe(true);
    // The cursor, the page and the one after it that tells more are left.
    expect(rowsRead).toBeLessThanOrEqual(23);
  });

  it('lists from the start after an item no longer there', async () => {
    const page = await repository.itemsPage(id, { after: 'msg_gone', limit: 2, order: 'desc', maxBytes: 1024 * 1024 });
    expect(page.items).toEqual([item(10_000 + ITEMS - 1), item(10_000 + ITEMS - 2)]);
  });
});
