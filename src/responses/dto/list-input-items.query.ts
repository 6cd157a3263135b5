import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

import { ItemsPageQuery } from '../../common/openai/item-lists';
import { MAX_INT32 } from '../../common/openai/limits';

export class ListInputItemsQuery extends ItemsPageQuery {
  @ApiPropertyOptional({ description: 'List items before this item id.' })
  @IsOptional()
  @IsString()
  before?: string;
}

export class RetrieveResponseQuery {
  @ApiPropertyOptional({ description: 'Replay the stored events as server-sent events.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  stream?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'With stream=true: only events whose sequence_number is greater than this.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(MAX_INT32)
  starting_after?: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  include?: string[] | string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['true', 'false'])
  include_obfuscation?: 'true' | 'false';
}
