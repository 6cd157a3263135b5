import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

import type { InputItem } from './types';

/** The query of OpenAI's item lists (a response's input items, a conversation's items): a cursor page. */
export class ItemsPageQuery {
  @ApiPropertyOptional({ description: 'List items after this item id.' })
  @IsOptional()
  @IsString()
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  include?: string[] | string;
}

/** One page of such a list (Swagger schema only; the services build plain objects). */
export class ItemListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) data: unknown[];
  @ApiProperty({ nullable: true, type: String }) first_id: string | null;
  @ApiProperty({ nullable: true, type: String }) last_id: string | null;
  @ApiProperty() has_more: boolean;
}

/** A page of items as OpenAI lists them, the ids of its ends as cursors. */
export function itemList(items: InputItem[], hasMore: boolean) {
  return { object: 'list' as const, data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: hasMore };
}
