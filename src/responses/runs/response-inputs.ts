import { Injectable } from '@nestjs/common';

import { ApiError } from '../../common/api-error';
import type { Cancellation } from '../../common/cancellation';
import type { History } from '../../common/history';
import { COMPACTION_PURPOSE, expandCompactions, fromLatestCompaction } from '../../common/openai/compaction';
import type { InputItem, Json } from '../../common/openai/types';
import { AppConfig } from '../../config/app-config';
import { ConversationsService } from '../../conversations/conversations.service';
import { HeavyReads } from '../../database/heavy-reads';
import { ContentSealer, REASONING_PURPOSE } from '../../secrets/content-sealer';
import { ResponsesRepository } from '../store/responses.repository';

/** Where a request's context comes from: the history it continues, and the items its input names by id. */
export interface ContextParams {
  previous_response_id?: string | null;
  conversation?: string | null;
  truncation?: string | null;
}

/**
 * A history's items; a 400 when older ones were left out for MAX_CONTEXT_BYTES and `truncation` is not 'auto' (with
 * 'auto' the model is given the newest that fit, as OpenAI drops the oldest items of a context too long).
 */
export function fittingItems(history: History, truncation: string | null | undefined, param: string): InputItem[] {
  if (history.cut && truncation !== 'auto') {
    throw new ApiError(
      400,
      `The ${param === 'conversation' ? "conversation's items hold" : 'chain of previous responses holds'} more than this server gives a model in one request (MAX_CONTEXT_BYTES). Send truncation: 'auto' to leave out the oldest items, or compact it.`,
      'context_length_exceeded',
      param,
    );
  }
  return history.items;
}

/** What a new request's model input is made of, besides the request's own items. */
@Injectable()
export class ResponseInputs {
  constructor(
    private readonly repository: ResponsesRepository,
    private readonly conversations: ConversationsService,
    private readonly sealer: ContentSealer,
    private readonly heavyReads: HeavyReads,
    private readonly config: AppConfig,
  ) {}

  /**
   * The items of a response its caller holds whole (a WebSocket connection's last, which grows by every turn that
   * continues it), as `history` gives a stored one's: beyond MAX_CONTEXT_BYTES, its newest items that fit with
   * `truncation: 'auto'`, otherwise a 400. Items are measured one by one only then.
   */
  earlierHistory(earlier: { items: InputItem[]; bytes: number }, truncation: string | null | undefined): InputItem[] {
    const maxBytes = this.config.MAX_CONTEXT_BYTES;
    if (earlier.bytes <= maxBytes) return earlier.items;
    let held = 0;
    let from = earlier.items.length;
    while (from > 0 && (held += JSON.stringify(earlier.items[from - 1]).length) <= maxBytes) from -= 1;
    return fittingItems({ items: earlier.items.slice(from), cut: from > 0 }, truncation, 'previous_response_id');
  }

  /** The chain of a response (see ResponsesRepository.chain), null when the tenant has no such response. */
  chain(tenantId: string, id: string, cancellation?: Cancellation): Promise<History | null> {
    return this.heavyReads.run(tenantId, () => this.repository.chain(tenantId, id, this.config.MAX_CONTEXT_BYTES), cancellation);
  }

  /** The conversation as a model is given it: each compaction item opened into the summary it holds. */
  forModel(tenantId: string, items: InputItem[]): InputItem[] {
    return expandCompactions(items, (sealed) => this.sealer.open(tenantId, COMPACTION_PURPOSE, sealed));
  }

  /**
   * A sealed item as this server reads it: a compaction item must be one it sealed for the tenant; a reasoning item
   * that carries `encrypted_content` gets back the content sealed in it (the client of a `store: false` chain sends
   * it again). Anything else it did not seal for this tenant is a 400.
   */
  private opened(tenantId: string, item: InputItem, index: number): InputItem {
    const param = `input[${index}].encrypted_content`;
    if (item.type === 'compaction' && this.sealer.open(tenantId, COMPACTION_PURPOSE, item.encrypted_content) === null) {
      throw ApiError.badRequest(
        'This compaction item was not made by this server for you (POST /v1/responses/compact), or was altered.',
        param,
        'invalid_value',
      );
    }
    if (item.type === 'reasoning' && typeof item.encrypted_content === 'string') {
      const sealed = this.sealer.open(tenantId, REASONING_PURPOSE, item.encrypted_content);
      if (sealed === null)
        throw ApiError.badRequest('This reasoning item was not made by this server for you, or was altered.', param, 'invalid_encrypted_content');
      return { ...item, ...(JSON.parse(sealed) as { summary: Json[]; content: Json[] }) };
    }
    return item;
  }

  /** Seals a compaction item's summary for the tenant that will send it back. */
  sealCompaction(tenantId: string, summary: string): string {
    return this.sealer.seal(tenantId, COMPACTION_PURPOSE, summary);
  }

  /**
   * What comes before the input: the conversation's items, or the items of the previous response's chain, from their
   * latest compaction item on (it carries what came before it, as OpenAI's chains do: clients do not prune them).
   */
  async history(tenantId: string, params: ContextParams, cancellation?: Cancellation): Promise<InputItem[]> {
    if (params.conversation && params.previous_response_id) {
      throw ApiError.badRequest("Use either 'previous_response_id' or 'conversation', not both.", 'conversation', 'mutually_exclusive_parameters');
    }
    if (params.conversation) {
      return fromLatestCompaction(
        fittingItems(await this.conversations.history(tenantId, params.conversation, cancellation), params.truncation, 'conversation'),
      );
    }
    if (!params.previous_response_id) return [];
    const chain = await this.chain(tenantId, params.previous_response_id, cancellation);
    if (!chain) {
      throw ApiError.badRequest(`Previous response with id '${params.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found');
    }
    return fromLatestCompaction(fittingItems(chain, params.truncation, 'previous_response_id'));
  }

  /**
   * Replaces each item_reference with the output item it names, as stored: the new response keeps its own copy, so
   * its input stays whole if the response that produced the item is deleted. Sealed items are opened (see `opened`).
   * The items referenced hold at most MAX_CONTEXT_BYTES together (a 400 beyond): a reference is 60 bytes of a body
   * and may name an item of megabytes, as many times as the body has room for.
   */
  async resolveReferences(tenantId: string, input: InputItem[], cancellation?: Cancellation): Promise<InputItem[]> {
    const opened = input.map((item, index) => this.opened(tenantId, item, index));
    const ids = opened.filter((item) => item.type === 'item_reference').map((item) => item.id!);
    if (ids.length === 0) return opened;
    const found = await this.heavyReads.run(tenantId, () => this.repository.findOutputItems(tenantId, ids), cancellation);
    let referencedBytes = 0;
    return opened.map((item, index) => {
      if (item.type !== 'item_reference') return item;
      const referenced = found.get(item.id!);
      if (!referenced) throw ApiError.badRequest(`Item with id '${item.id}' not found.`, `input[${index}].id`, 'item_not_found');
      referencedBytes += referenced.size;
      if (referencedBytes > this.config.MAX_CONTEXT_BYTES) {
        throw new ApiError(
          400,
          'The items the input references hold more than this server gives a model in one request (MAX_CONTEXT_BYTES).',
          'context_length_exceeded',
          `input[${index}]`,
        );
      }
      return referenced.item;
    });
  }
}
