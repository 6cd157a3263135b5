import { COMPACTION_PURPOSE, expandCompactions } from '../common/openai/compaction';
import { ContentSealer } from '../secrets/content-sealer';
import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import type { InputItem } from '../common/openai/types';
import { ConversationsService } from '../conversations/conversations.service';
import { ResponsesRepository } from './responses.repository';

/** Where a request's context comes from: the history it continues, and the items its input names by id. */
export interface ContextParams {
  previous_response_id?: string | null;
  conversation?: string | null;
}

/** What a new request's model input is made of, besides the request's own items. */
@Injectable()
export class ResponseInputs {
  constructor(
    private readonly repository: ResponsesRepository,
    private readonly conversations: ConversationsService,
    private readonly sealer: ContentSealer,
  ) {}

  /** The conversation as a model is given it: each compaction item opened into the summary it holds. */
  forModel(tenantId: string, items: InputItem[]): InputItem[] {
    return expandCompactions(items, (sealed) => this.sealer.open(tenantId, COMPACTION_PURPOSE, sealed));
  }

  /** Seals a compaction item's summary for the tenant that will send it back. */
  sealCompaction(tenantId: string, summary: string): string {
    return this.sealer.seal(tenantId, COMPACTION_PURPOSE, summary);
  }

  /** What comes before the input: the conversation's items, or the items of the previous response's chain. */
  async history(tenantId: string, params: ContextParams): Promise<InputItem[]> {
    if (params.conversation && params.previous_response_id) {
      throw ApiError.badRequest("Use either 'previous_response_id' or 'conversation', not both.", 'conversation', 'mutually_exclusive_parameters');
    }
    if (params.conversation) return this.conversations.history(tenantId, params.conversation);
    if (!params.previous_response_id) return [];
    const items = await this.repository.chain(tenantId, params.previous_response_id);
    if (!items) {
      throw ApiError.badRequest(`Previous response with id '${params.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found');
    }
    return items;
  }

  /**
   * Replaces each item_reference with the output item it names, as stored: the new response keeps its own copy, so
   * its input stays whole if the response that produced the item is deleted. A compaction item must be one this
   * server sealed for the tenant (400 otherwise).
   */
  async resolveReferences(tenantId: string, input: InputItem[]): Promise<InputItem[]> {
    input.forEach((item, index) => {
      if (item.type === 'compaction' && this.sealer.open(tenantId, COMPACTION_PURPOSE, item.encrypted_content) === null) {
        throw ApiError.badRequest('This compaction item was not made by this server for you (POST /v1/responses/compact), or was altered.', `input[${index}].encrypted_content`, 'invalid_value');
      }
    });
    const ids = input.filter((item) => item.type === 'item_reference').map((item) => item.id!);
    if (ids.length === 0) return input;
    const found = await this.repository.findOutputItems(tenantId, ids);
    return input.map((item, index) => {
      if (item.type !== 'item_reference') return item;
      const referenced = found.get(item.id!);
      if (!referenced) throw ApiError.badRequest(`Item with id '${item.id}' not found.`, `input[${index}].id`, 'item_not_found');
      return referenced;
    });
  }
}
