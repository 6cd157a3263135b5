import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { ResponseEntity } from '../responses/store/response.entity';

export type ToolCallStatus = 'pending' | 'completed';

/** A function call the model made, and the output the client returned for it. */
@Entity('tool_calls')
@Check('tool_calls_status_check', `status IN ('pending', 'completed')`)
export class ToolCallEntity {
  @PrimaryColumn({ name: 'response_id', type: 'text' })
  responseId: string;

  @PrimaryColumn({ name: 'call_id', type: 'text' })
  callId: string;

  @Column({ name: 'item_id', type: 'text' })
  itemId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  arguments: string;

  @Column({ type: 'text' })
  status: ToolCallStatus;

  @Column({ type: 'jsonb', nullable: true })
  output: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @ManyToOne(() => ResponseEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'response_id', foreignKeyConstraintName: 'tool_calls_response_id_fkey' })
  response?: ResponseEntity;
}
