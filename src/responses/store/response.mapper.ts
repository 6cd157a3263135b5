import type { OutputItem, ResponseObject, ResponseStatus, Usage } from '../../common/openai/types';
import type { Sampling } from '../runs/response-factory';

/** The request parameters a Response echoes back, stored together as `params`. */
const ECHOED = [
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'top_logprobs',
  'text',
  'tool_choice',
  'tools',
  'truncation',
  'reasoning',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
  'metadata',
  'store',
  'conversation',
] as const;
export type EchoedParams = Pick<ResponseObject, (typeof ECHOED)[number]>;

/** Whether a response is still to be worked on: queued, or in progress. */
export function isRunning(status: string): boolean {
  return status === 'queued' || status === 'in_progress';
}

const toSeconds = (date: Date | string | null) => (date === null ? null : Math.floor(new Date(date).getTime() / 1000));

/** A stored row as the Response object the API returns; every key present, in OpenAI's order. */
export function toResponseObject(row: RawResponseRow): ResponseObject {
  const params = row.params as unknown as EchoedParams;
  return {
    id: row.id,
    object: 'response',
    created_at: toSeconds(row.created_at)!,
    status: row.status as ResponseStatus,
    background: row.background,
    completed_at: toSeconds(row.completed_at),
    conversation: params.conversation ?? null,
    error: (row.error as ResponseObject['error']) ?? null,
    frequency_penalty: params.frequency_penalty,
    incomplete_details: (row.incomplete_details as ResponseObject['incomplete_details']) ?? null,
    instructions: params.instructions,
    max_output_tokens: params.max_output_tokens,
    max_tool_calls: params.max_tool_calls,
    metadata: params.metadata,
    model: row.model,
    output: row.output as OutputItem[],
    parallel_tool_calls: params.parallel_tool_calls,
    presence_penalty: params.presence_penalty,
    previous_response_id: row.previous_response_id,
    prompt: null,
    prompt_cache_key: params.prompt_cache_key,
    reasoning: params.reasoning,
    safety_identifier: params.safety_identifier,
    service_tier: params.service_tier,
    store: params.store,
    temperature: params.temperature,
    text: params.text,
    tool_choice: params.tool_choice,
    tools: params.tools,
    top_logprobs: params.top_logprobs,
    top_p: params.top_p,
    truncation: params.truncation,
    usage: (row.usage as Usage | null) ?? null,
    user: params.user,
  };
}

/** The explicit sampling settings stored beside the echoed parameters. */
export function samplingOfRow(row: RawResponseRow): Sampling {
  return (row.params.sampling as Sampling | undefined) ?? {};
}

/** The parameters of a Response object that are stored as `params`. */
export function echoedParams(response: ResponseObject): EchoedParams {
  return Object.fromEntries(ECHOED.map((key) => [key, response[key]])) as EchoedParams;
}

/** A row as raw SQL returns it (snake_case columns). */
export interface RawResponseRow {
  id: string;
  tenant_id: string;
  status: string;
  model: string;
  created_at: Date;
  completed_at: Date | null;
  previous_response_id: string | null;
  background: boolean;
  stream: boolean;
  params: Record<string, unknown>;
  output: unknown[];
  usage: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  incomplete_details: Record<string, unknown> | null;
  last_sequence_number: number;
}
