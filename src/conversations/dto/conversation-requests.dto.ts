import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, ValidateIf } from 'class-validator';

import { checkInput } from '../../common/openai/input-items';
import { ItemsPageQuery } from '../../common/openai/item-lists';
import { checkMetadata } from '../../common/openai/metadata';
import type { InputItem } from '../../common/openai/types';
import { CheckedBy, type CheckResult } from '../../common/validation';

/** As OpenAI: at most 20 items per request. */
const MAX_ITEMS_AT_ONCE = 20;

/** Items to add to a conversation: input items as a response takes them, except references to other items. */
export function checkConversationItems(value: unknown, param = 'items'): CheckResult<InputItem[]> {
  if (!Array.isArray(value)) return { param, message: `'${param}' must be an array of items.` };
  if (value.length > MAX_ITEMS_AT_ONCE) return { param, message: `At most ${MAX_ITEMS_AT_ONCE} items can be added at a time; '${param}' has ${value.length}.` };
  const result = checkInput(value, param);
  if ('message' in result) return result;
  const reference = result.value.findIndex((item) => item.type === 'item_reference');
  if (reference >= 0) return { param: `${param}[${reference}].type`, message: 'A conversation holds items themselves: add the item, not an item_reference.' };
  return result;
}

const ITEMS_DOC = { type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: MAX_ITEMS_AT_ONCE } as const;
const METADATA_DOC = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'Up to 16 string pairs; keys up to 64 characters, values up to 512.',
} as const;

export class CreateConversationDto {
  @ApiPropertyOptional({
    ...ITEMS_DOC,
    description: 'The first items (messages, function calls and their outputs), up to 20.',
    example: [{ role: 'user', content: 'Hello!' }],
  })
  @IsOptional()
  @CheckedBy(checkConversationItems)
  items?: InputItem[] | null;

  @ApiPropertyOptional(METADATA_DOC)
  @IsOptional()
  @CheckedBy(checkMetadata)
  metadata?: Record<string, string> | null;
}

export class UpdateConversationDto {
  @ApiProperty({ ...METADATA_DOC, nullable: true, description: 'Replaces the metadata; null clears it.' })
  // Required, as in OpenAI's API, but may be null.
  @ValidateIf((_dto, value) => value !== null)
  @IsDefined()
  @CheckedBy(checkMetadata)
  metadata: Record<string, string> | null;
}

export class AddConversationItemsDto {
  @ApiProperty({ ...ITEMS_DOC, description: 'Items to add at the end, up to 20.', example: [{ role: 'user', content: 'And then?' }] })
  @CheckedBy(checkConversationItems)
  items: InputItem[];
}

/** after, limit, order (newest first by default), include. */
export class ListConversationItemsQuery extends ItemsPageQuery {}

/** `include` on item reads and adds: accepted, as items are stored whole. */
export class ItemsIncludeQuery {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  include?: string[] | string;
}
