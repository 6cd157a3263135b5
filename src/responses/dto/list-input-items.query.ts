import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class ListInputItemsQuery {
  @ApiPropertyOptional({ description: 'List items after this item id.' })
  @IsOptional() @IsString()
  after?: string;

  @ApiPropertyOptional({ description: 'List items before this item id.' })
  @IsOptional() @IsString()
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional() @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  include?: string[] | string;
}

export class RetrieveResponseQuery {
  @ApiPropertyOptional({ description: 'Replay the stored events as server-sent events.' })
  @IsOptional() @IsIn(['true', 'false'])
  stream?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'With stream=true: only events whose sequence_number is greater than this.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(-1)
  starting_after?: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  include?: string[] | string;

  @ApiPropertyOptional()
  @IsOptional() @IsIn(['true', 'false'])
  include_obfuscation?: 'true' | 'false';
}
