import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import type { ResponseObject, ResponseStatus, ResponseTool, ToolChoice } from '../../common/openai/types';
import type { CompactedResponse } from '../runs/response-compaction';

/** Swagger schemas of what the API returns (documentation only; the service builds plain objects). */

export class OutputTextDto {
  @ApiProperty({ enum: ['output_text'] }) type: 'output_text';
  @ApiProperty() text: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) annotations: unknown[];
  @ApiProperty({ type: 'array', items: { type: 'object' } }) logprobs: unknown[];
}

export class OutputItemDto {
  @ApiProperty({ example: 'msg_…' }) id: string;
  @ApiProperty({ enum: ['message', 'function_call', 'reasoning'] }) type: string;
  @ApiProperty({ enum: ['in_progress', 'completed', 'incomplete'] }) status: string;
  @ApiPropertyOptional({ enum: ['assistant'], description: 'message items' }) role?: string;
  @ApiPropertyOptional({ type: [OutputTextDto], description: 'message items' }) content?: OutputTextDto[];
  @ApiPropertyOptional({ example: 'call_…', description: 'function_call items: the id to answer with function_call_output' }) call_id?: string;
  @ApiPropertyOptional({ description: 'function_call items' }) name?: string;
  @ApiPropertyOptional({ description: 'function_call items: a JSON string' }) arguments?: string;
}

export class UsageDto {
  @ApiProperty() input_tokens: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { cached_tokens: 0 } }) input_tokens_details: { cached_tokens: number };
  @ApiProperty() output_tokens: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { reasoning_tokens: 0 } }) output_tokens_details: { reasoning_tokens: number };
  @ApiProperty() total_tokens: number;
}

export class ResponseErrorDto {
  @ApiProperty({ example: 'server_error' }) code: string;
  @ApiProperty() message: string;
}

/**
 * The Response object as the document describes it: `implements` holds every field to the type the service returns,
 * and the check after the class holds the class to no field more, so the two cannot drift apart.
 */
export class ResponseObjectDto implements ResponseObject {
  @ApiProperty({ example: 'resp_…' }) id: string;
  @ApiProperty({ enum: ['response'] }) object: 'response';
  @ApiProperty({ description: 'Unix seconds' }) created_at: number;
  @ApiProperty({
    enum: ['queued', 'in_progress', 'completed', 'failed', 'incomplete', 'cancelled'],
    description: 'A response whose output ends in function_call items is `completed` and waits for their outputs (see submit_tool_outputs).',
  })
  status: ResponseStatus;
  @ApiProperty() background: boolean;
  @ApiProperty({ nullable: true, type: Number }) completed_at: number | null;
  @ApiProperty({ nullable: true, type: ResponseErrorDto }) error: ResponseErrorDto | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    example: null,
    properties: { reason: { type: 'string', enum: ['max_output_tokens', 'content_filter'] } },
  })
  incomplete_details: { reason: string } | null;
  @ApiProperty({ nullable: true, type: String }) instructions: string | null;
  @ApiProperty({ nullable: true, type: Number }) max_output_tokens: number | null;
  @ApiProperty({ nullable: true, type: Number }) max_tool_calls: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiProperty() model: string;
  @ApiProperty({ type: [OutputItemDto] }) output: ResponseObject['output'];
  @ApiProperty() parallel_tool_calls: boolean;
  @ApiProperty({ nullable: true, type: String }) previous_response_id: string | null;
  @ApiProperty({ nullable: true, type: String }) prompt_cache_key: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { effort: null, summary: null } }) reasoning: {
    effort: string | null;
    summary: string | null;
  };
  @ApiProperty({ nullable: true, type: String }) safety_identifier: string | null;
  @ApiProperty({ example: 'default' }) service_tier: string;
  @ApiProperty() store: boolean;
  @ApiProperty() temperature: number;
  @ApiProperty() top_p: number;
  @ApiProperty() presence_penalty: number;
  @ApiProperty() frequency_penalty: number;
  @ApiProperty() top_logprobs: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { format: { type: 'text' }, verbosity: 'medium' } }) text: ResponseObject['text'];
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'object' }], example: 'auto' }) tool_choice: ToolChoice;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) tools: ResponseTool[];
  @ApiProperty({ enum: ['auto', 'disabled'] }) truncation: 'auto' | 'disabled';
  @ApiProperty({ nullable: true, type: UsageDto }) usage: UsageDto | null;
  @ApiProperty({ nullable: true, type: String }) user: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    properties: { id: { type: 'string' } },
    example: null,
    description: 'The conversation the response reads and adds to, if any.',
  })
  conversation: { id: string } | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, example: null, description: 'Prompt templates are not supported; always null.' })
  prompt: null;
}

/** No field documented that the service does not return. */
const documentsNoMore: [Exclude<keyof ResponseObjectDto, keyof ResponseObject>] extends [never] ? true : false = true;
void documentsNoMore;

export class DeletedResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['response'] }) object: 'response';
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class InputTokensDto {
  @ApiProperty({ enum: ['response.input_tokens'] }) object: 'response.input_tokens';
  @ApiProperty() input_tokens: number;
}

export class CompactedResponseDto implements CompactedResponse {
  @ApiProperty({ example: 'resp_…' }) id: string;
  @ApiProperty({ enum: ['response.compaction'] }) object: 'response.compaction';
  @ApiProperty() created_at: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'The user messages, then one item {type: "compaction", id, encrypted_content} holding the summary of the rest.',
  })
  output: CompactedResponse['output'];
  @ApiProperty({ type: UsageDto }) usage: UsageDto;
}
