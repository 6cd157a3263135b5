import { ApiProperty } from '@nestjs/swagger';

/** Swagger schemas of what the Conversations API returns (documentation only; the service builds plain objects). */

export class ConversationObjectDto {
  @ApiProperty({ example: 'conv_…' }) id: string;
  @ApiProperty({ enum: ['conversation'] }) object: 'conversation';
  @ApiProperty({ description: 'Unix seconds' }) created_at: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
}

export class ConversationDeletedDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['conversation.deleted'] }) object: 'conversation.deleted';
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class ConversationItemListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) data: unknown[];
  @ApiProperty({ nullable: true, type: String }) first_id: string | null;
  @ApiProperty({ nullable: true, type: String }) last_id: string | null;
  @ApiProperty() has_more: boolean;
}
