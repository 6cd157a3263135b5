import { Injectable, Logger } from '@nestjs/common';
import { lastValueFrom, tap } from 'rxjs';

import { ApiError } from '../../common/api-error';
import type { Cancellation } from '../../common/cancellation';
import { newId } from '../../common/ids';
import { compactionItem } from '../../common/openai/compaction';
import type { InputItem, Usage } from '../../common/openai/types';
import { noUsage } from '../../common/openai/usage';
import { GenerationFailure } from '../../models/backend-errors';
import type { GenerationRequest, ModelBackend } from '../../models/generation';
import { ModelRegistry } from '../../models/model-registry.service';
import { RateLimiter } from '../../rate-limits/rate-limiter';
import { offeredFunctions } from '../../tools/tool-definitions';
import type { CompactResponseDto } from '../dto/create-response.dto';
import { generationRequest, newResponse } from './response-factory';
import { ResponseInputs } from './response-inputs';

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
  private readonly logger = new Logger(ResponseCompaction.name);

  constructor(
    private readonly models: ModelRegistry,
    private readonly inputs: ResponseInputs,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async compact(tenantId: string, dto: CompactResponseDto, stop: Cancellation): Promise<CompactedResponse> {
    const backend = this.models.backendFor(dto.model);
    const items = [...(await this.inputs.history(tenantId, dto)), ...(await this.inputs.resolveReferences(tenantId, dto.input ?? []))];
    if (items.length === 0)
      throw ApiError.badRequest('There is nothing to compact: give `input` or `previous_response_id`.', 'input', 'missing_required_parameter');
    const { summary, usage } = await this.summarize(backend, dto.model, dto.instructions ?? null, this.inputs.forModel(tenantId, items), stop);
    this.rateLimiter.recordTokens(tenantId, usage.total_tokens);
    // Kept as output items, with an id and a status each, as OpenAI returns them (and the compliance suite checks).
    const userMessages = items
      .filter((item) => item.type === 'message' && item.role === 'user')
      .map((item) => ({ ...item, id: typeof item.id === 'string' ? item.id : newId('msg'), status: 'completed' }));
    return {
      id: newId('resp'),
      object: 'response.compaction',
      created_at: Math.floor(Date.now() / 1000),
      output: [...userMessages, compactionItem(this.inputs.sealCompaction(tenantId, summary))],
      usage,
    };
  }

  /**
   * `context_management` compaction, before a run's model call: when the conversation the model would be given
   * (`request.input`, compaction items already opened) reaches `threshold` tokens, it is summarized into a compaction
   * item, and the model is given that summary and the conversation from its last user message on. Nothing when it
   * stays under the threshold, holds nothing before that message, or cannot be counted or summarized (the run goes on
   * whole). The backend's own count is asked only when an estimate (4 characters a token) reaches half the threshold.
   */
  async compactForRun(
    tenantId: string,
    backend: ModelBackend,
    request: GenerationRequest,
    threshold: number,
    stop: Cancellation,
  ): Promise<RunCompaction | undefined> {
    const lastUserMessage = request.input.findLastIndex((item) => item.type === 'message' && item.role === 'user');
    if (lastUserMessage <= 0 || JSON.stringify(request.input).length / 4 < threshold / 2) return undefined;
    try {
      if ((await backend.countInputTokens(request)) < threshold) return undefined;
      const { summary, usage } = await this.summarize(backend, request.model, request.instructions, request.input, stop);
      const item = compactionItem(this.inputs.sealCompaction(tenantId, summary));
      return { item, input: [...this.inputs.forModel(tenantId, [item]), ...request.input.slice(lastUserMessage)], usage };
    } catch (error) {
      if (stop.requested) throw error;
      this.logger.warn(`the conversation of a ${request.model} response was not compacted: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The model's summary of `items` (as the model is given them). */
  private async summarize(
    backend: ModelBackend,
    model: string,
    instructions: string | null,
    items: InputItem[],
    stop: Cancellation,
  ): Promise<{ summary: string; usage: Usage }> {
    const ask: InputItem = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summarize the conversation above, as instructed.' }] };
    const summaryInstructions = instructions ? `${instructions}\n\n${SUMMARY_INSTRUCTIONS}` : SUMMARY_INSTRUCTIONS;
    const request = generationRequest({ ...newResponse({ model }, false), instructions: summaryInstructions }, {}, [...items, ask], offeredFunctions([]));
    let summary = '';
    let usage = noUsage();
    try {
      const chunks = await backend.generate(request, { stop, incremental: false });
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
      if (error instanceof GenerationFailure)
        throw new ApiError(502, `The model backend could not summarize the conversation: ${error.message}`, error.code, null, 'server_error');
      throw error;
    }
    return { summary, usage };
  }
}

/** A run's conversation compacted: the compaction item it begins its output with, the model's input, the summary's usage. */
export interface RunCompaction {
  item: InputItem;
  input: InputItem[];
  usage: Usage;
}
