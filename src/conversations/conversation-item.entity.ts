import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { ConversationEntity } from './conversation.entity';

/** One item of a conversation: items added together share `addition` (one sequence for all conversations), in `position` order. */
@Entity('conversation_items')
@Index('conversation_items_item_idx', ['conversationId', 'itemId'])
export class ConversationItemEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'text' })
  conversationId: string;

  @PrimaryColumn({ type: 'bigint' })
  addition: string;

  @PrimaryColumn({ type: 'integer' })
  position: number;

  @Column({ name: 'item_id', type: 'text' })
  itemId: string;

  @Column({ type: 'jsonb' })
  item: Record<string, unknown>;

  /**
   * The item's size as JSON text (`octet_length(item::text)`): what a history's bound counts, without reading the item.
   * Null for items added before it was kept (see the ConversationItemSizes migration).
   */
  @Column({ type: 'integer', nullable: true })
  size: number | null;

  /** When it was added: a conversation expires RETENTION_DAYS after its last item (see the Retention migration). */
  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt: Date;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'conversation_items_conversation_id_fkey' })
  conversation?: ConversationEntity;
}
