import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ConversationEntity } from './conversation.entity';

/** One item of a conversation; `position` (one sequence for all conversations) orders them. */
@Entity('conversation_items')
export class ConversationItemEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId: string;

  @PrimaryColumn({ type: 'bigint', generated: 'identity' })
  position: string;

  @Column({ name: 'item_id', type: 'text' })
  itemId: string;

  @Column({ type: 'jsonb' })
  item: Record<string, unknown>;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id' })
  conversation?: ConversationEntity;
}
