import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One streaming event of a stored response, kept so that streams can be replayed and resumed. */
@Entity('response_events')
export class ResponseEventEntity {
  @PrimaryColumn({ name: 'response_id', type: 'text' })
  responseId: string;

  @PrimaryColumn({ name: 'sequence_number', type: 'integer' })
  sequenceNumber: number;

  @Column({ type: 'text' })
  type: string;

  /** The event exactly as it went out on the wire (`json`: the text is kept as written). */
  @Column({ type: 'json' })
  payload: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
