import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

import { checkInput } from '../../common/openai/input-items';
import { MAX_INT32, MAX_MODEL_NAME_LENGTH } from '../../common/openai/limits';
import { checkMetadata } from '../../common/openai/metadata';
import type { InputItem, ResponseTool, TextFormat, ToolChoice } from '../../common/openai/types';
import { CheckedBy, type CheckResult } from '../../common/validation';
import { checkToolChoice, checkTools } from '../../tools/tool-definitions';
import { checkTextFormat } from './text-format';

export const INCLUDABLE = [
  'message.output_text.logprobs',
  'reasoning.encrypted_content',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'code_interpreter_call.outputs',
];

export class TextConfigDto {
  @ApiPropertyOptional({
    type: 'object',
    properties: { type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] } },
    required: ['type'],
    additionalProperties: true,
    description: 'Output format: {"type":"text"}, {"type":"json_object"} or {"type":"json_schema","name","schema","strict"}.',
    example: { type: 'text' },
  })
  @IsOptional()
  @CheckedBy(checkTextFormat)
  format?: TextFormat;

  @ApiPropertyOptional({ enum: ['low', 'medium', 'high'] })
  @IsOptional()
  @IsIn(['low', 'medium', 'high'])
  verbosity?: 'low' | 'medium' | 'high';
}

export class ReasoningDto {
  @ApiPropertyOptional({ type: String, enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'], nullable: true })
  @IsOptional()
  @IsIn(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])
  effort?: string | null;

  @ApiPropertyOptional({ type: String, enum: ['auto', 'concise', 'detailed'], nullable: true })
  @IsOptional()
  @IsIn(['auto', 'concise', 'detailed'])
  summary?: string | null;

  @ApiPropertyOptional({ type: String, enum: ['auto', 'concise', 'detailed'], nullable: true, deprecated: true })
  @IsOptional()
  @IsIn(['auto', 'concise', 'detailed'])
  generate_summary?: string | null;
}

export class StreamOptionsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  include_obfuscation?: boolean;
}

export class FunctionToolDto {
  @ApiProperty({ enum: ['function'] }) type: 'function';
  @ApiProperty({ example: 'get_time' }) name: string;
  @ApiPropertyOptional({ type: String, nullable: true }) description?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, example: { type: 'object', properties: {} } })
  parameters?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true }) strict?: boolean | null;
}

export class NestedFunctionToolDto {
  @ApiProperty({ enum: ['function'] }) type: 'function';
  @ApiProperty({ description: 'The Chat-Completions form older clients send.', type: FunctionToolDto }) function: Omit<FunctionToolDto, 'type'>;
}

/** `client_metadata`: string pairs, as Codex CLI sends them (more of them than `metadata` allows). */
function checkClientMetadata(value: unknown, param: string): CheckResult<Record<string, string>> {
  const pairs = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : undefined;
  if (pairs && pairs.length <= 64 && pairs.every(([, item]) => typeof item === 'string' && item.length <= 4096))
    return { value: value as Record<string, string> };
  return { param, message: `'${param}' must be an object of at most 64 string pairs.` };
}

/** `context_management`: `[{type: "compaction", compact_threshold?: positive integer}]` (other strategies are accepted with no effect). */
function checkContextManagement(value: unknown, param: string): CheckResult<Array<Record<string, unknown>>> {
  if (!Array.isArray(value)) return { param, message: `'${param}' must be an array of context management entries.` };
  for (const [index, entry] of value.entries()) {
    const at = `${param}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as { type?: unknown }).type !== 'string') {
      return { param: at, message: `${at} must be an object with a 'type' (such as "compaction").` };
    }
    const threshold = (entry as { compact_threshold?: unknown }).compact_threshold;
    if (threshold !== undefined && threshold !== null && !(Number.isInteger(threshold) && (threshold as number) > 0 && (threshold as number) <= 2 ** 31 - 1)) {
      return { param: `${at}.compact_threshold`, message: `'${at}.compact_threshold' must be a positive integer (a number of tokens).` };
    }
  }
  return { value: value as Array<Record<string, unknown>> };
}

/** `conversation`: an id, or an object holding it; normalized to the id. */
function checkConversation(value: unknown, param: string): CheckResult<string> {
  const id = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { id?: unknown }).id : value;
  if (typeof id === 'string' && id !== '') return { value: id };
  return { param, message: `'${param}' must be a conversation id, or an object with its 'id'.` };
}

/** The body of POST /v1/responses. */
@ApiExtraModels(FunctionToolDto, NestedFunctionToolDto)
export class CreateResponseDto {
  @ApiProperty({ example: 'gpt-4o-mini', description: 'Model name; MODELS_FILE routes it to a backend.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_MODEL_NAME_LENGTH)
  model: string;

  @ApiPropertyOptional({
    description:
      'A string (one user message) or a list of input items: messages (user, assistant, system, developer), function_call, function_call_output, reasoning, and item_reference (an output item of a stored response, by id).',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }],
    example: 'Say hello.',
  })
  @IsOptional()
  @CheckedBy(checkInput)
  input?: InputItem[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'A system message placed first; not carried over to responses chained with previous_response_id.',
  })
  @IsOptional()
  @IsString()
  instructions?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'resp_…' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  previous_response_id?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    oneOf: [{ type: 'string' }, { type: 'object', properties: { id: { type: 'string' } } }],
    example: 'conv_…',
    description: "A conversation's id (or {id}): its items come before the input, and the input and output are added to it once the response completes.",
  })
  @IsOptional()
  @CheckedBy(checkConversation)
  conversation?: string | null;

  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Keep the response so that it can be retrieved and chained.' })
  @IsOptional()
  @IsBoolean()
  store?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Run as a durable background job; answers at once with status "queued".' })
  @IsOptional()
  @IsBoolean()
  background?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Answer with server-sent events.' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Up to 16 string pairs; keys up to 64 characters, values up to 512.',
  })
  @IsOptional()
  @CheckedBy(checkMetadata)
  metadata?: Record<string, string> | null;

  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 2, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 1, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  top_p?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: -2, maximum: 2, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  presence_penalty?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: -2, maximum: 2, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-2)
  @Max(2)
  frequency_penalty?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 20, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  top_logprobs?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_INT32, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  max_output_tokens?: number | null;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_INT32, nullable: true, description: 'Most function calls the response may make.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  max_tool_calls?: number | null;

  @ApiPropertyOptional({ type: TextConfigDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TextConfigDto)
  text?: TextConfigDto | null;

  @ApiPropertyOptional({ type: ReasoningDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReasoningDto)
  reasoning?: ReasoningDto | null;

  @ApiPropertyOptional({
    description:
      'Function tools (in the Responses form or the nested Chat-Completions form), namespaces of them, custom tools and the client tools ' +
      'local_shell, shell and apply_patch are offered to the model; the tools OpenAI runs itself (web_search, file_search, code_interpreter, ' +
      'image_generation, mcp, computer, tool_search) are accepted and not offered: the answer names them in X-Tools-Not-Offered (a 400 with STRICT_TOOLS=true).',
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(FunctionToolDto) }, { $ref: getSchemaPath(NestedFunctionToolDto) }] },
  })
  @IsOptional()
  @CheckedBy(checkTools)
  tools?: ResponseTool[] | null;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: ['auto', 'none', 'required'] },
      { type: 'object', properties: { type: { enum: ['function'] }, name: { type: 'string' } } },
      {
        type: 'object',
        properties: { type: { enum: ['allowed_tools'] }, mode: { enum: ['auto', 'required'] }, tools: { type: 'array', items: { type: 'object' } } },
      },
    ],
  })
  @IsOptional()
  @CheckedBy(checkToolChoice)
  tool_choice?: ToolChoice | null;

  @ApiPropertyOptional({ type: Boolean, default: true })
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean | null;

  @ApiPropertyOptional({ enum: ['auto', 'disabled'], default: 'disabled' })
  @IsOptional()
  @IsIn(['auto', 'disabled'])
  truncation?: 'auto' | 'disabled' | null;

  @ApiPropertyOptional({ type: [String], enum: INCLUDABLE })
  @IsOptional()
  @IsArray()
  @IsIn(INCLUDABLE, { each: true })
  include?: string[] | null;

  @ApiPropertyOptional({ type: String, deprecated: true, description: 'Use safety_identifier and prompt_cache_key.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  user?: string | null;

  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  safety_identifier?: string | null;

  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  prompt_cache_key?: string | null;

  @ApiPropertyOptional({ type: String, enum: ['in_memory', '24h'], nullable: true, description: "'in-memory' is taken too, as older SDKs spell it." })
  @IsOptional()
  @IsIn(['in_memory', 'in-memory', '24h'])
  prompt_cache_retention?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'A reusable prompt stored at OpenAI: this server has none (400 unsupported_parameter; send the instructions instead).',
  })
  @IsOptional()
  @IsObject()
  prompt?: Record<string, unknown> | null;

  // Accepted so that the clients that send them work; this server has nothing to do with them.
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: "A client's own description of itself (Codex CLI sends it). Accepted; no effect.",
  })
  @IsOptional()
  @CheckedBy(checkClientMetadata)
  client_metadata?: Record<string, string> | null;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', properties: { type: { type: 'string' }, compact_threshold: { type: 'number', nullable: true } } },
    nullable: true,
    description:
      'With `{type: "compaction", compact_threshold}`, a conversation whose rendered tokens reach the threshold is compacted before the model answers: the response then begins with a compaction item.',
  })
  @IsOptional()
  @CheckedBy(checkContextManagement)
  context_management?: Array<Record<string, unknown>> | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Prompt caching options of OpenAI. Accepted; no effect.' })
  @IsOptional()
  @IsObject()
  prompt_cache_options?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'OpenAI-hosted moderation. Accepted; no effect.', nullable: true })
  @IsOptional()
  @IsObject()
  moderation?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Image input options of OpenAI. Accepted; no effect.' })
  @IsOptional()
  @IsObject()
  image?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "OpenAI's batch-like completion windows for background responses. Accepted; no effect.",
  })
  @IsOptional()
  @IsObject()
  background_options?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "OpenAI's access programs. Accepted; no effect." })
  @IsOptional()
  @IsObject()
  access_programs?: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, enum: ['auto', 'default', 'flex', 'scale', 'priority'] })
  @IsOptional()
  @IsIn(['auto', 'default', 'flex', 'scale', 'priority'])
  service_tier?: string | null;
}

/** POST /v1/responses/input_tokens: the fields that shape the model's input. */
export class CountInputTokensDto extends PickType(CreateResponseDto, [
  'model',
  'input',
  'instructions',
  'previous_response_id',
  'conversation',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'truncation',
] as const) {}

/** POST /v1/responses/compact: the conversation to compact, and the model that summarizes it. */
export class CompactResponseDto extends PickType(CreateResponseDto, ['model', 'input', 'instructions', 'previous_response_id', 'prompt_cache_key'] as const) {}
