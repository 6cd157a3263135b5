import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { ResponseEntity } from './response.entity';

/** The input items of one response, in order; with the outputs of its ancestors they rebuild a conversation. */
@Entity('response_input_items')
export class ResponseInputItemEntity {
  @PrimaryColumn({ name: 'response_id', type: 'text' })
  responseId: string;

  @PrimaryColumn({ type: 'integer' })
  position: number;

  @Column({ name: 'item_id', type: 'text' })
  itemId: string;

  @Column({ type: 'jsonb' })
  item: Record<string, unknown>;

  @ManyToOne(() => ResponseEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'response_id', foreignKeyConstraintName: 'response_input_items_response_id_fkey' })
  response?: ResponseEntity;
}
