import type { Observable } from 'rxjs';

import type { Cancellation } from '../common/cancellation';
import type { FunctionTool, FunctionToolChoice, InputItem, TextFormat, Usage } from '../common/openai/types';

/** What a model backend is asked to do: the whole conversation in Responses terms, backend-agnostic. */
export interface GenerationRequest {
  model: string;
  instructions: string | null;
  /** Every item of the conversation so far (history first), as Responses input/output items. */
  input: InputItem[];
  tools: FunctionTool[];
  toolChoice: FunctionToolChoice;
  parallelToolCalls: boolean;
  temperature?: number;
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  maxOutputTokens?: number;
  textFormat: TextFormat;
  reasoningEffort?: string;
  user?: string;
  /** `auto`: a backend whose context the input overflows is asked again without the oldest turns. */
  truncation?: 'auto' | 'disabled';
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** One piece of a generation as it arrives from a backend. */
export type GenerationChunk =
  | { type: 'text'; delta: string }
  | { type: 'refusal'; delta: string }
  | { type: 'reasoning'; delta: string }
  /** A function call or a piece of it; `index` tells parallel calls apart. */
  | { type: 'tool_call'; index: number; callId?: string; name?: string; argumentsDelta: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

export interface GenerateOptions {
  /** Stops the backend, while `generate` waits for it to accept the request and after. */
  stop?: Cancellation;
  /**
   * Whether the pieces are wanted as they are generated (a client or a log follows them live). Without it a backend
   * may answer in one piece, which costs less (default: true).
   */
  incremental?: boolean;
}

/**
 * A model backend. `generate` resolves once the backend has accepted the request (so that rate limits and bad
 * requests surface as HTTP errors before any event is sent); the Observable then emits the chunks, and
 * unsubscribing from it aborts the backend's work.
 */
export interface ModelBackend {
  readonly name: string;
  generate(request: GenerationRequest, options?: GenerateOptions): Promise<Observable<GenerationChunk>>;
  /** The exact number of input tokens the backend would see for this request. */
  countInputTokens(request: GenerationRequest): Promise<number>;
  /** The models the backend itself says it serves, by the names it knows them by. */
  listModels(): Promise<BackendModel[]>;
}

/** A model as a backend lists it (OpenAI's Model object without `object`). */
export interface BackendModel {
  id: string;
  /** Unix seconds, when the backend says. */
  created?: number;
  owned_by?: string;
}
