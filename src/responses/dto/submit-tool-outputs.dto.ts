import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsOptional, IsString, ValidateNested } from 'class-validator';

import { checkToolOutputParts } from '../../common/openai/input-items';
import { CheckedBy, type CheckResult } from '../../common/validation';

export type ToolOutput = string | Array<Record<string, unknown>>;

/** A tool's output: a string, or content parts such as [{"type":"output_text","text":"…"}]. */
export function checkToolOutput(value: unknown, param = 'output'): CheckResult<ToolOutput> {
  if (typeof value === 'string') return { value };
  if (Array.isArray(value)) return checkToolOutputParts(value, param) ?? { value: value as Array<Record<string, unknown>> };
  return { param, message: `'${param}' must be a string or an array of content parts like {"type": "output_text", "text": "..."}.` };
}

export class ToolOutputDto {
  @ApiPropertyOptional({ example: 'call_…' })
  @IsOptional()
  @IsString()
  tool_call_id?: string;

  @ApiPropertyOptional({ description: 'Same as tool_call_id.' })
  @IsOptional()
  @IsString()
  call_id?: string;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }], example: 'It is 18:42 UTC.' })
  @IsOptional()
  @CheckedBy(checkToolOutput)
  output?: ToolOutput;
}

/** Either one output (`tool_call_id` + `output`) or several (`tool_outputs`). */
export class SubmitToolOutputsDto extends ToolOutputDto {
  @ApiPropertyOptional({ type: [ToolOutputDto] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => ToolOutputDto)
  tool_outputs?: ToolOutputDto[];

  @ApiPropertyOptional({ description: 'Stream the continuation as server-sent events on the same response.' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}
