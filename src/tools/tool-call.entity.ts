import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ToolCallStatus = 'pending' | 'completed';

/** A function call the model made, and the output the client returned for it. */
@Entity('tool_calls')
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
}
