import { newId } from '../../common/ids';
import type { FunctionTool, FunctionToolChoice, InputItem, ResponseObject } from '../../common/openai/types';
import { withoutCredentials } from '../../mcp/mcp-tools';
import type { GenerationRequest } from '../../models/generation';
import { WEB_SEARCH_TYPES } from '../../tools/hosted-tools';
import { backendToolChoice, type ToolOffer } from '../../tools/tool-definitions';
import type { CountInputTokensDto, CreateResponseDto } from '../dto/create-response.dto';

/**
 * Sampling settings the client set explicitly: only these go upstream, so that backends keep their own defaults.
 * Stored with them, for the runs that read them back (background, continuations): `compactThreshold`, the
 * `context_management` compaction threshold, which stays here.
 */
export interface Sampling {
  temperature?: number;
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  maxOutputTokens?: number;
  user?: string;
  compactThreshold?: number;
}

export function samplingOf(dto: CreateResponseDto | CountInputTokensDto): Sampling {
  const create = dto as CreateResponseDto;
  return {
    temperature: create.temperature ?? undefined,
    topP: create.top_p ?? undefined,
    presencePenalty: create.presence_penalty ?? undefined,
    frequencyPenalty: create.frequency_penalty ?? undefined,
    maxOutputTokens: create.max_output_tokens ?? undefined,
    user: create.safety_identifier ?? create.user ?? undefined,
    compactThreshold: compactThresholdOf(create.context_management),
  };
}

/** The rendered-token threshold of a `context_management` compaction entry, if the request set one. */
function compactThresholdOf(entries: Array<Record<string, unknown>> | null | undefined): number | undefined {
  const threshold = entries?.find((entry) => entry.type === 'compaction')?.compact_threshold;
  return typeof threshold === 'number' ? threshold : undefined;
}

/** A new Response object with every field OpenAI returns, defaults filled in. */
export function newResponse(dto: CreateResponseDto | CountInputTokensDto, store: boolean): ResponseObject {
  const create = dto as CreateResponseDto;
  return {
    id: newId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    background: create.background ?? false,
    completed_at: null,
    conversation: dto.conversation ? { id: dto.conversation } : null,
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
    // Without the credentials of mcp tools, which are used for the run and never stored (see RunSpec.mcpCredentials).
    tools: withoutCredentials(dto.tools ?? []),
    top_logprobs: create.top_logprobs ?? 0,
    top_p: create.top_p ?? 1,
    truncation: dto.truncation ?? 'disabled',
    usage: null,
    user: create.user ?? null,
  };
}

/**
 * What the backend is asked: the response's settings, the client's explicit sampling, and the whole conversation
 * (its compaction items already opened: see ResponseInputs.forModel).
 */
export function generationRequest(
  response: ResponseObject,
  { compactThreshold: _, ...sampling }: Sampling,
  input: InputItem[],
  offer: ToolOffer,
): GenerationRequest {
  const { tools, toolChoice } = offeredTools(response, offer);
  return {
    model: response.model,
    instructions: response.instructions,
    input,
    tools,
    toolChoice,
    parallelToolCalls: response.parallel_tool_calls,
    ...sampling,
    textFormat: response.text.format,
    reasoningEffort: response.reasoning.effort ?? undefined,
    truncation: response.truncation,
  };
}

/**
 * The function tools the backend is offered (namespaces flattened; see offeredFunctions). `allowed_tools` offers
 * only those it names (backends know no such choice), with its mode as the choice. A choice of a hosted tool that
 * this server runs is the choice of its function.
 */
function offeredTools(response: ResponseObject, { functions, hosted }: ToolOffer): { tools: FunctionTool[]; toolChoice: FunctionToolChoice } {
  const choice = response.tool_choice;
  if (typeof choice !== 'string' && WEB_SEARCH_TYPES.includes(choice.type) && hosted.has('web_search'))
    return { tools: functions, toolChoice: { type: 'function', name: 'web_search' } };
  if (typeof choice !== 'string' && choice.type === 'allowed_tools' && 'mode' in choice) {
    const allowed = new Set(choice.tools.map((tool) => tool.name));
    return { tools: functions.filter((tool) => allowed.has(tool.name)), toolChoice: choice.mode };
  }
  return { tools: functions, toolChoice: backendToolChoice(choice) };
}
