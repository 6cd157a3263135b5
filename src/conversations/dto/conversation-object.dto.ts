import { ApiProperty } from '@nestjs/swagger';

import type { ConversationObject } from '../conversations.service';

/** Swagger schemas of what the Conversations API returns (documentation only; the service builds plain objects). */

export class ConversationObjectDto implements ConversationObject {
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
