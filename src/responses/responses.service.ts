import { Injectable } from '@nestjs/common';
import { from, ignoreElements, lastValueFrom, Observable } from 'rxjs';
import { ApiError } from '../common/api-error';
import { newId } from '../common/ids';
import type { InputItem, ResponseObject } from '../common/openai/types';
import { EventLogService } from '../events/event-log.service';
import type { GenerationRequest } from '../models/generation';
import { ModelRegistry } from '../models/model-registry.service';
import type { CountInputTokensDto, CreateResponseDto } from './dto/create-response.dto';
import type { ListInputItemsQuery } from './dto/list-input-items.query';
import { toResponseObject } from './response.mapper';
import { ResponseRunner } from './response-runner';
import type { SerializedEvent } from '../events/serialized-event';
import { eventsOfFinishedResponse } from './response-replay';
import { ResponsesRepository } from './responses.repository';

export type CreateResult = { kind: 'object'; response: ResponseObject } | { kind: 'stream'; events: Observable<SerializedEvent> };

/** The Responses API use cases. */
@Injectable()
export class ResponsesService {
  constructor(
    private readonly models: ModelRegistry,
    private readonly repository: ResponsesRepository,
    private readonly runner: ResponseRunner,
    private readonly eventLog: EventLogService,
  ) {}

  async create(tenantId: string, dto: CreateResponseDto, signal: AbortSignal): Promise<CreateResult> {
    const store = dto.store ?? true;
    if (dto.background) throw ApiError.badRequest('Background responses are not available yet.', 'background', 'unsupported_parameter');
    const backend = this.models.backendFor(dto.model);
    const inputItems = withIds(dto.input ?? []);
    const history = dto.previous_response_id ? await this.history(tenantId, dto.previous_response_id) : [];
    const response = newResponse(dto, store);
    const run = await this.runner.start({
      response,
      lastSequenceNumber: -1,
      opening: 'created',
      request: generationRequest(dto, response, [...history, ...inputItems]),
      backend,
      persistence: !store ? { kind: 'none' } : dto.stream ? { kind: 'logged', tenantId, inputItems, insert: true } : { kind: 'final', tenantId, inputItems },
    });
    if (dto.stream) return { kind: 'stream', events: run.events };
    await lastValueFrom(run.events.pipe(ignoreElements(), abortOn(signal)), { defaultValue: undefined });
    return { kind: 'object', response: run.response };
  }

  async retrieve(tenantId: string, id: string): Promise<ResponseObject> {
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    return toResponseObject(row);
  }

  /** A stored response's events after `startingAfter`: the event log, or the finished object's events when it was not streamed. */
  async replay(tenantId: string, id: string, startingAfter: number): Promise<Observable<SerializedEvent>> {
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    const response = toResponseObject(row);
    if (!isFinished(response)) {
      throw ApiError.badRequest('This response is still running; streaming its live tail is not available yet.', 'stream');
    }
    if (await this.eventLog.isLogged(id)) return this.eventLog.replay(id, startingAfter);
    return from(eventsOfFinishedResponse(response).filter((event) => event.sequenceNumber > startingAfter));
  }

  async delete(tenantId: string, id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!(await this.repository.delete(tenantId, id))) throw ApiError.responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  async listInputItems(tenantId: string, id: string, query: ListInputItemsQuery) {
    if (!(await this.repository.find(tenantId, id))) throw ApiError.responseNotFound(id);
    const page = await this.repository.listInputItems(id, { after: query.after, before: query.before, limit: query.limit ?? 20, order: query.order ?? 'desc' });
    return {
      object: 'list' as const,
      data: page.items,
      first_id: page.items[0]?.id ?? null,
      last_id: page.items[page.items.length - 1]?.id ?? null,
      has_more: page.hasMore,
    };
  }

  async countInputTokens(tenantId: string, dto: CountInputTokensDto): Promise<{ object: 'response.input_tokens'; input_tokens: number }> {
    const backend = this.models.backendFor(dto.model);
    const history = dto.previous_response_id ? await this.history(tenantId, dto.previous_response_id) : [];
    const response = newResponse(dto, false);
    const count = await backend.countInputTokens(generationRequest(dto, response, [...history, ...(dto.input ?? [])]));
    return { object: 'response.input_tokens', input_tokens: count };
  }

  private async history(tenantId: string, previousResponseId: string): Promise<InputItem[]> {
    const items = await this.repository.conversation(tenantId, previousResponseId);
    if (!items) {
      throw ApiError.badRequest(`Previous response with id '${previousResponseId}' not found.`, 'previous_response_id', 'previous_response_not_found');
    }
    return items;
  }
}

function isFinished(response: ResponseObject): boolean {
  return !['queued', 'in_progress'].includes(response.status);
}

/** Input items get ids as OpenAI lists them (msg_…, fc_…, fco_…), unless the client gave one. */
function withIds(items: InputItem[]): InputItem[] {
  return items.map((item) => {
    if (typeof item.id === 'string' && item.id) return item;
    const prefix = item.type === 'function_call' ? 'fc' : item.type === 'function_call_output' ? 'fco' : item.type === 'reasoning' ? 'rs' : 'msg';
    return { id: newId(prefix), ...item };
  });
}

/** A new Response object with every field OpenAI returns, defaults filled in. */
function newResponse(dto: CreateResponseDto | CountInputTokensDto, store: boolean): ResponseObject {
  const create = dto as CreateResponseDto;
  return {
    id: newId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    background: create.background ?? false,
    completed_at: null,
    conversation: null,
    error: null,
    frequency_penalty: create.frequency_penalty ?? 0,
    incomplete_details: null,
    instructions: dto.instructions ?? null,
    max_output_tokens: create.max_output_tokens ?? null,
    max_tool_calls: create.max_tool_calls ?? null,
    metadata: create.metadata ?? {},
    model: dto.model,
    output: [],
    parallel_tool_calls: dto.parallel_tool_calls ?? true,
    presence_penalty: create.presence_penalty ?? 0,
    previous_response_id: dto.previous_response_id ?? null,
    prompt: null,
    prompt_cache_key: create.prompt_cache_key ?? null,
    reasoning: { effort: dto.reasoning?.effort ?? null, summary: dto.reasoning?.summary ?? dto.reasoning?.generate_summary ?? null },
    safety_identifier: create.safety_identifier ?? null,
    service_tier: create.service_tier ?? 'default',
    store,
    temperature: create.temperature ?? 1,
    text: { format: dto.text?.format ?? { type: 'text' }, verbosity: dto.text?.verbosity ?? 'medium' },
    tool_choice: dto.tool_choice ?? 'auto',
    tools: dto.tools ?? [],
    top_logprobs: create.top_logprobs ?? 0,
    top_p: create.top_p ?? 1,
    truncation: dto.truncation ?? 'disabled',
    usage: null,
    user: create.user ?? null,
  };
}

function generationRequest(dto: CreateResponseDto | CountInputTokensDto, response: ResponseObject, input: InputItem[]): GenerationRequest {
  const create = dto as CreateResponseDto;
  return {
    model: response.model,
    instructions: response.instructions,
    input,
    tools: response.tools,
    toolChoice: response.tool_choice,
    parallelToolCalls: response.parallel_tool_calls,
    temperature: create.temperature ?? undefined,
    topP: create.top_p ?? undefined,
    presencePenalty: create.presence_penalty ?? undefined,
    frequencyPenalty: create.frequency_penalty ?? undefined,
    maxOutputTokens: create.max_output_tokens ?? undefined,
    textFormat: response.text.format,
    reasoningEffort: response.reasoning.effort ?? undefined,
    user: create.safety_identifier ?? create.user ?? undefined,
  };
}

/** Unsubscribes (cancelling the run) when the client that waits for it goes away. */
function abortOn<T>(signal: AbortSignal) {
  return (source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      const subscription = source.subscribe(subscriber);
      const onAbort = () => {
        subscription.unsubscribe();
        subscriber.error(new ApiError(499, 'The client closed the request.', 'client_closed_request'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      return () => {
        signal.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
}
