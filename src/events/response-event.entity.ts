import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { ResponseEntity } from '../responses/store/response.entity';

/**
 * A run of consecutive streaming events of a stored response (what one batch of the log wrote for it), kept so that
 * streams can be replayed and resumed.
 */
@Entity('response_events')
@Check('response_events_run', 'last_sequence_number >= first_sequence_number')
export class ResponseEventEntity {
  @PrimaryColumn({ name: 'response_id', type: 'text' })
  responseId: string;

  @PrimaryColumn({ name: 'first_sequence_number', type: 'integer' })
  firstSequenceNumber: number;

  @Column({ name: 'last_sequence_number', type: 'integer' })
  lastSequenceNumber: number;

  /** The events exactly as they went out on the wire, in order (`json`: the text is kept as written). */
  @Column({ type: 'json' })
  events: Array<Record<string, unknown>>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @ManyToOne(() => ResponseEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'response_id', foreignKeyConstraintName: 'response_events_response_id_fkey' })
  response?: ResponseEntity;
}
