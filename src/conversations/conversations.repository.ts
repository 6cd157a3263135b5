import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { History } from '../common/history';
import type { InputItem } from '../common/openai/types';
import type { Transaction } from '../database/transaction';

export interface ConversationRow {
  id: string;
  created_at: Date;
  metadata: Record<string, string>;
}

/** Items to add at the end of one conversation. */
export interface ConversationAppend {
  conversationId: string;
  items: InputItem[];
}

export interface ItemsPageOptions {
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
  /** The most a page holds, as JSON (its first item excepted): items are as large as a request, and a page is many. */
  maxBytes: number;
}

/** Places (addition, position) before and after every item's: additions and positions count from 1. */
const MIN_PLACE = { addition: '-1', position: '-1' };
const MAX_PLACE = { addition: '9223372036854775807', position: '2147483647' };
/** An item's size as a history's bound counts it: kept with the item, or measured for one added before sizes were kept. */
const ITEM_SIZE = 'coalesce(i.size, octet_length(i.item::text))';

/** SQL for conversations and their items. Every read and write of a conversation is scoped to its tenant. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Creates a conversation with its first items, in one transaction (the items added as any others are). */
  insert(tenantId: string, id: string, metadata: Record<string, string>, items: InputItem[]): Promise<ConversationRow> {
    return this.dataSource.transaction(async (manager) => {
      const [row]: ConversationRow[] = await manager.query(
        `INSERT INTO conversations (id, tenant_id, metadata) VALUES ($1, $2, $3) RETURNING id, created_at, metadata`,
        [id, tenantId, JSON.stringify(metadata)],
      );
      await this.append([{ conversationId: id, items }], manager);
      return row;
    });
  }

  async find(tenantId: string, id: string): Promise<ConversationRow | null> {
    const rows: ConversationRow[] = await this.dataSource.query(`SELECT id, created_at, metadata FROM conversations WHERE id = $1 AND tenant_id = $2`, [
      id,
      tenantId,
    ]);
    return rows[0] ?? null;
  }

  async updateMetadata(tenantId: string, id: string, metadata: Record<string, string>): Promise<ConversationRow | null> {
    const [rows]: [ConversationRow[], number] = await this.dataSource.query(
      `UPDATE conversations SET metadata = $3 WHERE id = $1 AND tenant_id = $2 RETURNING id, created_at, metadata`,
      [id, tenantId, JSON.stringify(metadata)],
    );
    return rows[0] ?? null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown[], number] = await this.dataSource.query(`DELETE FROM conversations WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    return count > 0;
  }

  /**
   * Adds items at the end of conversations, in one statement (inside `manager`'s transaction if given); a
   * conversation deleted meanwhile takes none.
   */
  async append(appends: ConversationAppend[], manager?: Transaction): Promise<void> {
    const rows = appends.filter((append) => append.items.length > 0).map(({ conversationId, items }) => ({ conversation_id: conversationId, items }));
    if (rows.length === 0) return;
    // One addition number per append: its items stay together, in order, whatever is added beside them. The key-share
    // lock makes a conversation being deleted meanwhile either wait for this commit or be skipped once gone, never a
    // foreign-key error that would fail the response's end with it.
    await (manager ?? this.dataSource).query(
      `WITH additions AS (
         SELECT a.value->>'conversation_id' AS conversation_id, a.value->'items' AS items, nextval('conversation_additions') AS addition
         FROM jsonb_array_elements($1::jsonb) AS a(value)
         WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = a.value->>'conversation_id' FOR KEY SHARE)
       )
       INSERT INTO conversation_items (conversation_id, addition, position, item_id, item, size)
       SELECT additions.conversation_id, additions.addition, item.ordinality, item.value->>'id', item.value, octet_length(item.value::text)
       FROM additions, jsonb_array_elements(additions.items) WITH ORDINALITY AS item(value, ordinality)`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * A conversation's items, oldest first: the newest that hold at most `maxBytes` of JSON together (see History).
   * How far back that goes is found from the items' sizes, newest first, a chunk at a time (8 items, then twice as many
   * each time, up to 4,096), until the bound is passed or the items run out; then only the items kept are read. So a
   * turn reads what it keeps, and sizes of at most one chunk more, however many items the conversation holds. Null when
   * the tenant has no such conversation.
   */
  async history(tenantId: string, id: string, maxBytes: number): Promise<History | null> {
    const chunk = 'least(8 << least(walk.step, 9), 4096)';
    const rows: Array<{ cut: boolean; item: InputItem | null }> = await this.dataSource.query(
      `WITH RECURSIVE walk AS (
         SELECT 0::bigint AS held, ${MAX_PLACE.addition}::bigint AS addition, ${MAX_PLACE.position} AS position, 0 AS step, true AS more, false AS cut
         FROM conversations c WHERE c.id = $1 AND c.tenant_id = $2
         UNION ALL
         SELECT coalesce(chunk.held, walk.held), coalesce(chunk.addition, walk.addition), coalesce(chunk.position, walk.position), walk.step + 1,
                chunk.more, coalesce(chunk.cut, false)
         FROM walk CROSS JOIN LATERAL (
           SELECT max(held) FILTER (WHERE held <= $3) AS held,
                  (array_agg(addition ORDER BY addition, position) FILTER (WHERE held <= $3))[1] AS addition,
                  (array_agg(position ORDER BY addition, position) FILTER (WHERE held <= $3))[1] AS position,
                  count(*) = ${chunk} AND max(held) <= $3 AS more, max(held) > $3 AS cut
           FROM (SELECT i.addition, i.position, walk.held + sum(${ITEM_SIZE}) OVER (ORDER BY i.addition DESC, i.position DESC) AS held
                 FROM conversation_items i WHERE i.conversation_id = $1 AND (i.addition, i.position) < (walk.addition, walk.position)
                 ORDER BY i.addition DESC, i.position DESC LIMIT ${chunk}) sizes
         ) chunk
         WHERE walk.more
       ), oldest AS (SELECT addition, position, cut FROM walk ORDER BY step DESC LIMIT 1)
       SELECT oldest.cut, i.item
       FROM oldest LEFT JOIN conversation_items i ON i.conversation_id = $1 AND (i.addition, i.position) >= (oldest.addition, oldest.position)
       ORDER BY i.addition, i.position`,
      [id, tenantId, maxBytes],
    );
    if (rows.length === 0) return null;
    return { items: rows.flatMap((row) => (row.item === null ? [] : [row.item])), cut: rows[0].cut };
  }

  /**
   * One page of a conversation's items (the conversation is known to exist); the cursor is an item id. A page ends
   * early, with more to come, where its items would hold more than `maxBytes`: what it leaves out is not read here.
   */
  async itemsPage(id: string, options: ItemsPageOptions): Promise<{ items: InputItem[]; hasMore: boolean }> {
    const direction = options.order === 'asc' ? 'ASC' : 'DESC';
    // After the cursor's place; an id no longer there (deleted) lists from the start, as for a response's input items.
    // The place is a bound of the primary key's range, so that a page is read from the index wherever it starts.
    const start = options.order === 'asc' ? MIN_PLACE : MAX_PLACE;
    const after = options.after
      ? `AND (i.addition, i.position) ${options.order === 'asc' ? '>' : '<'} (COALESCE((SELECT addition FROM cursor), ${start.addition}), COALESCE((SELECT position FROM cursor), ${start.position}))`
      : '';
    const rows: Array<{ item: InputItem | null }> = await this.dataSource.query(
      `WITH cursor AS (
         SELECT addition, position FROM conversation_items WHERE conversation_id = $1 AND item_id = $3 ORDER BY addition, position LIMIT 1
       ), page AS (
         SELECT i.item, i.addition, i.position,
                row_number() OVER w AS place, sum(${ITEM_SIZE}) OVER w AS held
         FROM conversation_items i WHERE i.conversation_id = $1 ${after}
         WINDOW w AS (ORDER BY i.addition ${direction}, i.position ${direction})
         ORDER BY i.addition ${direction}, i.position ${direction} LIMIT $2
       )
       SELECT CASE WHEN place = 1 OR held <= $4 THEN item END AS item FROM page ORDER BY place`,
      [id, options.limit + 1, options.after ?? null, options.maxBytes],
    );
    const fitting = rows.findIndex((row) => row.item === null);
    const items = (fitting < 0 ? rows : rows.slice(0, fitting)).slice(0, options.limit).map((row) => row.item!);
    return { items, hasMore: rows.length > items.length };
  }

  async findItem(tenantId: string, id: string, itemId: string): Promise<InputItem | null> {
    const rows: Array<{ item: InputItem }> = await this.dataSource.query(
      `SELECT i.item FROM conversation_items i JOIN conversations c ON c.id = i.conversation_id
       WHERE i.conversation_id = $1 AND c.tenant_id = $2 AND i.item_id = $3 ORDER BY i.addition, i.position LIMIT 1`,
      [id, tenantId, itemId],
    );
    return rows[0]?.item ?? null;
  }

  async deleteItem(tenantId: string, id: string, itemId: string): Promise<boolean> {
    const [, count]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM conversation_items i USING conversations c
       WHERE i.conversation_id = $1 AND c.id = i.conversation_id AND c.tenant_id = $2 AND i.item_id = $3`,
      [id, tenantId, itemId],
    );
    return count > 0;
  }
}
