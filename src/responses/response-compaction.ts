import { RateLimiter } from '../rate-limits/rate-limiter';
import { Injectable } from '@nestjs/common';
import { lastValueFrom, tap } from 'rxjs';
import { ApiError } from '../common/api-error';
import { compactionItem } from '../common/openai/compaction';
import { noUsage } from '../common/openai/usage';
import { newId } from '../common/ids';
import type { InputItem, Usage } from '../common/openai/types';
import { GenerationFailure } from '../models/backend-errors';
import { ModelRegistry } from '../models/model-registry.service';
import type { CompactResponseDto } from './dto/create-response.dto';
import { generationRequest, newResponse } from './response-factory';
import { ResponseInputs } from './response-inputs';
import { offeredFunctions } from '../tools/tool-definitions';

const SUMMARY_INSTRUCTIONS =
  'You are compacting a conversation so that it can go on with less context. Write a summary of everything in it that ' +
  'the rest of the conversation will need: facts stated, decisions made, tool calls and their results, open questions ' +
  'and tasks. Leave out greetings and repetition. Write only the summary.';

/** OpenAI's compacted response: the user messages kept as they are, then one compaction item for all the rest. */
export interface CompactedResponse {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: InputItem[];
  usage: Usage;
}

/**
 * POST /v1/responses/compact: the model summarizes the conversation (the chain of `previous_response_id`, then
 * `input`), and the summary travels in a compaction item that a later request's input can carry instead of the
 * items it replaces. Nothing is stored.
 */
@Injectable()
export class ResponseCompaction {
  constructor(
    private readonly models: ModelRegistry,
    private readonly inputs: ResponseInputs,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async compact(tenantId: string, dto: CompactResponseDto, signal: AbortSignal): Promise<CompactedResponse> {
    const backend = this.models.backendFor(dto.model);
    const items = [...(await this.inputs.history(tenantId, dto)), ...(await this.inputs.resolveReferences(tenantId, dto.input ?? []))];
    if (items.length === 0) throw ApiError.badRequest('There is nothing to compact: give `input` or `previous_response_id`.', 'input', 'missing_required_parameter');
    const instructions = dto.instructions ? `${dto.instructions}\n\n${SUMMARY_INSTRUCTIONS}` : SUMMARY_INSTRUCTIONS;
    const ask: InputItem = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summarize the conversation above, as instructed.' }] };
    const request = generationRequest({ ...newResponse({ model: dto.model }, false), instructions }, {}, this.inputs.forModel(tenantId, [...items, ask]), offeredFunctions([]));
    let summary = '';
    let usage: Usage | null = null;
    try {
      const chunks = await backend.generate(request, { signal, incremental: false });
      await lastValueFrom(
        chunks.pipe(
          tap((chunk) => {
            if (chunk.type === 'text') summary += chunk.delta;
            else if (chunk.type === 'usage') usage = chunk.usage;
          }),
        ),
        { defaultValue: undefined },
      );
    } catch (error) {
      if (error instanceof GenerationFailure) throw new ApiError(502, `The model backend could not summarize the conversation: ${error.message}`, error.code, null, 'server_error');
      throw error;
    }
    this.rateLimiter.recordTokens(tenantId, (usage as Usage | null)?.total_tokens ?? 0);
    // Kept as output items, with an id and a status each, as OpenAI returns them (and the compliance suite checks).
    const userMessages = items
      .filter((item) => item.type === 'message' && item.role === 'user')
      .map((item) => ({ ...item, id: typeof item.id === 'string' ? item.id : newId('msg'), status: 'completed' }));
    return { id: newId('resp'), object: 'response.compaction', created_at: Math.floor(Date.now() / 1000), output: [...userMessages, compactionItem(this.inputs.sealCompaction(tenantId, summary))], usage: usage ?? noUsage() };
  }
}
