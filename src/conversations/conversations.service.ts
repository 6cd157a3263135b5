import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import type { Cancellation } from '../common/cancellation';
import type { History } from '../common/history';
import { newId } from '../common/ids';
import { withIds } from '../common/openai/input-items';
import { itemList, type ItemsPageQuery } from '../common/openai/item-lists';
import type { InputItem } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { HeavyReads } from '../database/heavy-reads';
import type { Transaction } from '../database/transaction';
import { type ConversationAppend, type ConversationRow, ConversationsRepository } from './conversations.repository';

/** OpenAI's Conversation object. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

export type { ConversationAppend };

/** The Conversations API's use cases, and what responses created with `conversation` need of it. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly heavyReads: HeavyReads,
    private readonly config: AppConfig,
  ) {}

  async create(tenantId: string, items: InputItem[], metadata: Record<string, string>): Promise<ConversationObject> {
    return toConversationObject(await this.repository.insert(tenantId, newId('conv'), metadata, withIds(items)));
  }

  async retrieve(tenantId: string, id: string): Promise<ConversationObject> {
    return toConversationObject((await this.repository.find(tenantId, id)) ?? notFound(id));
  }

  async update(tenantId: string, id: string, metadata: Record<string, string>): Promise<ConversationObject> {
    return toConversationObject((await this.repository.updateMetadata(tenantId, id, metadata)) ?? notFound(id));
  }

  async delete(tenantId: string, id: string): Promise<{ id: string; object: 'conversation.deleted'; deleted: true }> {
    if (!(await this.repository.delete(tenantId, id))) notFound(id);
    return { id, object: 'conversation.deleted', deleted: true };
  }

  async addItems(tenantId: string, id: string, items: InputItem[]) {
    await this.retrieve(tenantId, id);
    const added = withIds(items);
    await this.repository.append([{ conversationId: id, items: added }]);
    return itemList(added, false);
  }

  async listItems(tenantId: string, id: string, query: ItemsPageQuery, cancellation?: Cancellation) {
    await this.retrieve(tenantId, id);
    const page = await this.heavyReads.run(
      tenantId,
      () =>
        this.repository.itemsPage(id, { after: query.after, limit: query.limit ?? 20, order: query.order ?? 'desc', maxBytes: this.config.MAX_CONTEXT_BYTES }),
      cancellation,
    );
    return itemList(page.items, page.hasMore);
  }

  async retrieveItem(tenantId: string, id: string, itemId: string): Promise<InputItem> {
    await this.retrieve(tenantId, id);
    return (await this.repository.findItem(tenantId, id, itemId)) ?? itemNotFound(itemId);
  }

  /** Deletes one item; answers the conversation, as OpenAI does. */
  async deleteItem(tenantId: string, id: string, itemId: string): Promise<ConversationObject> {
    const conversation = await this.retrieve(tenantId, id);
    if (!(await this.repository.deleteItem(tenantId, id, itemId))) itemNotFound(itemId);
    return conversation;
  }

  /**
   * What a response created with `conversation` reads before its input: its newest items that fit MAX_CONTEXT_BYTES,
   * oldest first (404 if none such).
   */
  async history(tenantId: string, id: string, cancellation?: Cancellation): Promise<History> {
    return (
      (await this.heavyReads.run(tenantId, () => this.repository.history(tenantId, id, this.config.MAX_CONTEXT_BYTES), cancellation)) ??
      conversationNotFound(id)
    );
  }

  /** Adds runs' items at the end of their conversations, inside the transaction that stores the runs' ends. */
  append(appends: ConversationAppend[], manager: Transaction): Promise<void> {
    return this.repository.append(appends, manager);
  }
}

function toConversationObject(row: ConversationRow): ConversationObject {
  return { id: row.id, object: 'conversation', created_at: Math.floor(new Date(row.created_at).getTime() / 1000), metadata: row.metadata };
}

/** A conversation a request's `conversation` names that is not the tenant's (or no longer exists). */
function conversationNotFound(id: string): never {
  throw ApiError.conversationNotFound(id, 'conversation');
}

function notFound(id: string): never {
  throw ApiError.conversationNotFound(id, 'conversation_id');
}

function itemNotFound(itemId: string): never {
  throw ApiError.notFound(`Item with id '${itemId}' not found.`, 'item_id', 'item_not_found');
}
