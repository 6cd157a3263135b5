import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One Response object. Request parameters live in `params`, so that adding an echoed field needs no migration. */
@Entity('responses')
@Index('responses_tenant_created_idx', ['tenantId', 'createdAt'])
@Index('responses_created_idx', ['createdAt'])
// The foreground responses a survivor checks for a dead process (see StaleResponseSweeper).
@Index('responses_running_foreground_idx', ['updatedAt'], { where: `status IN ('queued', 'in_progress') AND background = false` })
export class ResponseEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  status: string;

  @Column({ type: 'text' })
  model: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'previous_response_id', type: 'text', nullable: true })
  previousResponseId: string | null;

  @Column({ type: 'boolean', default: false })
  background: boolean;

  /** Created with `stream: true`: a background response's worker logs its events (so it can be followed) only then. */
  @Column({ type: 'boolean', default: false })
  stream: boolean;

  /** Echoed request parameters: instructions, sampling, tools, text, reasoning, metadata, … */
  @Column({ type: 'jsonb' })
  params: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  output: unknown[];

  @Column({ type: 'jsonb', nullable: true })
  usage: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  error: Record<string, unknown> | null;

  @Column({ name: 'incomplete_details', type: 'jsonb', nullable: true })
  incompleteDetails: Record<string, unknown> | null;

  /** Highest sequence_number issued on this response's event stream (continuations go on from here). */
  @Column({ name: 'last_sequence_number', type: 'integer', default: -1 })
  lastSequenceNumber: number;

  /** The process running this foreground response (see ProcessLiveness). */
  @Column({ name: 'running_on', type: 'text', nullable: true })
  runningOn: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
