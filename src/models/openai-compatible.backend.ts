import type { IncomingMessage } from 'node:http';

import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Observable } from 'rxjs';

import { ApiError } from '../common/api-error';
import { IdleTimer } from '../common/idle-timer';
import type { TextFormat, Usage } from '../common/openai/types';
import { fromUpstreamError, GenerationFailure } from './backend-errors';
import { ChatCompletionsTransport, readBody, readEventData } from './chat-completions-transport';
import { toChatMessages } from './chat-messages';
import { isContextOverflow, withoutOldestTurns } from './context-truncation';
import type { BackendModel, FinishReason, GenerateOptions, GenerationChunk, GenerationRequest, ModelBackend } from './generation';

const LIST_TIMEOUT_MS = 5_000;

export interface UpstreamOptions {
  baseURL: string;
  apiKey?: string;
  /** The model name the upstream knows, when it differs from the one clients use. */
  upstreamModel?: string;
  timeoutMs: number;
  maxRetries: number;
  /** Where a streamed answer is cut short, as if it had reached its token limit (MAX_OUTPUT_CHARS). */
  maxOutputChars: number;
}

/** Any OpenAI-compatible Chat Completions server (vLLM, Ollama, llama.cpp, LM Studio, OpenAI, Azure…). */
export class OpenAICompatibleBackend implements ModelBackend {
  readonly name: string;
  /** For the cold paths (token counting). */
  private readonly client: OpenAI;
  /** For generation, the hot path. */
  private readonly transport: ChatCompletionsTransport;

  constructor(private readonly options: UpstreamOptions) {
    this.name = options.baseURL;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
    this.transport = new ChatCompletionsTransport(options);
  }

  async generate(request: GenerationRequest, { stop, incremental = true }: GenerateOptions = {}): Promise<Observable<GenerationChunk>> {
    // Nobody watching the pieces: one answer in one body costs both sides less than a stream of events.
    // The stream settings before the spread (see bench/HISTORY.md, "Hidden classes").
    const params = incremental
      ? { stream: true, stream_options: { include_usage: true }, ...this.chatParams(request) }
      : { stream: false, ...this.chatParams(request) };
    let res: IncomingMessage;
    try {
      res = await this.transport.open(params, stop);
    } catch (error) {
      const failure = fromUpstreamError(error, request.model);
      // `truncation: auto`: the backend knows its context, we do not; it says when the input does not fit.
      const shorter = request.truncation === 'auto' && overflows(failure) ? withoutOldestTurns(request.input) : null;
      if (shorter) return this.generate({ ...request, input: shorter }, { stop, incremental });
      throw failure;
    }
    return incremental ? this.streamed(res, request.model) : this.whole(res, request.model);
  }

  private streamed(res: IncomingMessage, model: string): Observable<GenerationChunk> {
    return new Observable<GenerationChunk>((subscriber) => {
      // A stream that goes silent for the whole timeout is as dead as a dropped connection. One timer per stream,
      // pushed back on every payload (rxjs's `timeout` rescheduled a timer for each chunk).
      const silence = new IdleTimer(this.options.timeoutMs, () => {
        silence.stop();
        stop();
        subscriber.error(new GenerationFailure('upstream_timeout', `The model backend sent nothing for ${this.options.timeoutMs} ms.`));
      });
      let outputChars = 0;
      const stop = readEventData(res, {
        data: (payload) => {
          silence.touch();
          if (payload === '[DONE]') return;
          let chunk: ChatCompletionChunk & { error?: { message?: string } };
          try {
            chunk = JSON.parse(payload) as typeof chunk;
          } catch {
            return subscriber.error(new GenerationFailure('server_error', 'The model backend sent a chunk that is not JSON.'));
          }
          if (chunk.error)
            return subscriber.error(new GenerationFailure('server_error', `The model backend failed mid-response: ${chunk.error.message ?? 'unknown error'}`));
          for (const piece of fromChatChunk(chunk)) {
            outputChars += charsOf(piece);
            subscriber.next(piece);
          }
          if (outputChars > this.options.maxOutputChars) {
            // A backend that would go on for ever (one told no limit, or a loop that ignores it): the response ends
            // incomplete, as at its token limit, and the backend is stopped.
            silence.stop();
            stop();
            subscriber.next({ type: 'finish', reason: 'length' });
            subscriber.complete();
          }
        },
        end: () => subscriber.complete(),
        error: (error) => subscriber.error(midStreamFailure(error, model)),
      });
      return () => {
        silence.stop();
        stop();
      };
    });
  }

  private whole(res: IncomingMessage, model: string): Observable<GenerationChunk> {
    return new Observable<GenerationChunk>((subscriber) => {
      readBody(res, this.options.timeoutMs).then(
        (text) => {
          let completion: ChatCompletion;
          try {
            completion = JSON.parse(text) as ChatCompletion;
          } catch {
            return subscriber.error(new GenerationFailure('server_error', 'The model backend sent an answer that is not JSON.'));
          }
          for (const piece of fromChatCompletion(completion)) subscriber.next(piece);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(midStreamFailure(error, model)),
      );
      return () => {
        if (!res.complete) res.destroy();
      };
    });
  }

  async countInputTokens(request: GenerationRequest): Promise<number> {
    try {
      // The backend's own tokenizer is the only exact count: ask for one token and read the prompt usage.
      const completion = await this.client.chat.completions.create({ ...this.chatParams(request), max_tokens: 1, stream: false });
      if (!completion.usage) throw new GenerationFailure('server_error', 'The model backend does not report token usage.');
      return completion.usage.prompt_tokens;
    } catch (error) {
      throw fromUpstreamError(error, request.model);
    }
  }

  async listModels(): Promise<BackendModel[]> {
    const models: BackendModel[] = [];
    // A listing is a cold path a client waits on: a backend slower than this counts as unreachable.
    for await (const model of this.client.models.list({ timeout: Math.min(this.options.timeoutMs, LIST_TIMEOUT_MS), maxRetries: 0 })) {
      models.push({ id: model.id, created: model.created, owned_by: model.owned_by });
    }
    return models;
  }

  private chatParams(request: GenerationRequest) {
    const tools = request.tools.map((tool) => ({
      type: 'function' as const,
      function: {
        name: tool.name,
        ...(tool.description != null ? { description: tool.description } : {}),
        ...(tool.parameters != null ? { parameters: tool.parameters } : {}),
        ...(tool.strict != null ? { strict: tool.strict } : {}),
      },
    }));
    const choice = request.toolChoice;
    return {
      model: this.options.upstreamModel ?? request.model,
      messages: toChatMessages(request.instructions, request.input),
      ...(tools.length > 0
        ? {
            tools,
            tool_choice: typeof choice === 'string' ? choice : { type: 'function' as const, function: { name: choice.name } },
            parallel_tool_calls: request.parallelToolCalls,
          }
        : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.presencePenalty !== undefined ? { presence_penalty: request.presencePenalty } : {}),
      ...(request.frequencyPenalty !== undefined ? { frequency_penalty: request.frequencyPenalty } : {}),
      ...(request.maxOutputTokens !== undefined ? { max_tokens: request.maxOutputTokens } : {}),
      ...(request.reasoningEffort ? { reasoning_effort: request.reasoningEffort as 'low' } : {}),
      ...(request.user ? { user: request.user } : {}),
      ...responseFormat(request.textFormat),
    };
  }
}

/** Once streaming, a lost connection is a backend failure, not an unreachable backend. */
function midStreamFailure(error: unknown, model: string): Error {
  const mapped = fromUpstreamError(error, model);
  if (mapped instanceof GenerationFailure && mapped.code === 'upstream_unavailable') {
    return new GenerationFailure('server_error', `The connection to the model backend was lost mid-response: ${mapped.message}`);
  }
  return mapped;
}

function responseFormat(format: TextFormat) {
  switch (format.type) {
    case 'json_object':
      return { response_format: { type: 'json_object' as const } };
    case 'json_schema':
      return {
        response_format: {
          type: 'json_schema' as const,
          json_schema: {
            name: format.name,
            schema: format.schema,
            ...(format.strict != null ? { strict: format.strict } : {}),
            ...(format.description != null ? { description: format.description } : {}),
          },
        },
      };
    default:
      return {};
  }
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

type ChoiceContent = {
  content?: string | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>;
};

/** What one choice carries (a chunk's delta, or a whole answer's message), as generation chunks. */
function piecesOf(content: ChoiceContent, finishReason: string | null | undefined, usage: ChatCompletionChunk['usage'] | undefined): GenerationChunk[] {
  const pieces: GenerationChunk[] = [];
  const reasoning = content.reasoning_content ?? content.reasoning;
  if (reasoning) pieces.push({ type: 'reasoning', delta: reasoning });
  if (content.content) pieces.push({ type: 'text', delta: content.content });
  if (content.refusal) pieces.push({ type: 'refusal', delta: content.refusal });
  (content.tool_calls ?? []).forEach((call, position) => {
    pieces.push({
      type: 'tool_call',
      index: call.index ?? position,
      callId: call.id ?? undefined,
      name: call.function?.name ?? undefined,
      argumentsDelta: call.function?.arguments ?? '',
    });
  });
  if (finishReason) pieces.push({ type: 'finish', reason: FINISH_REASONS[finishReason] ?? 'stop' });
  if (usage) pieces.push({ type: 'usage', usage: toUsage(usage) });
  return pieces;
}

/** One Chat Completions chunk as backend-agnostic generation chunks. */
export function fromChatChunk(chunk: ChatCompletionChunk): GenerationChunk[] {
  const choice = chunk.choices?.[0];
  return piecesOf(choice?.delta ?? {}, choice?.finish_reason, chunk.usage ?? undefined);
}

/** The characters a piece adds to the output. */
function charsOf(piece: GenerationChunk): number {
  if (piece.type === 'tool_call') return piece.argumentsDelta.length;
  return piece.type === 'text' || piece.type === 'refusal' || piece.type === 'reasoning' ? piece.delta.length : 0;
}

/** A whole (non-streamed) Chat Completions answer as generation chunks. */
export function fromChatCompletion(completion: ChatCompletion): GenerationChunk[] {
  const choice = completion.choices?.[0];
  return piecesOf(choice?.message ?? {}, choice?.finish_reason, completion.usage ?? undefined);
}

function toUsage(usage: NonNullable<ChatCompletionChunk['usage']>): Usage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

function overflows(failure: ApiError | GenerationFailure): boolean {
  return failure instanceof ApiError && failure.status === 400 && isContextOverflow(failure.code, failure.message);
}
