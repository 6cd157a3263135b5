import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { ResponseEntity } from '../responses/store/response.entity';

export type JobState = 'queued' | 'running' | 'done';

/** A background response waiting for, or held by, a worker. The lease lets another replica take over a dead worker's job. */
@Entity('jobs')
@Check('jobs_state_check', `state IN ('queued', 'running', 'done')`)
@Index('jobs_queued_idx', ['createdAt'], { where: `state = 'queued'` })
@Index('jobs_running_lease_idx', ['leaseExpiresAt'], { where: `state = 'running'` })
// Fair claims read each tenant's queued jobs in order (see FairJobClaims).
@Index('jobs_queued_tenant_idx', ['tenantId', 'createdAt'], { where: `state = 'queued'` })
export class JobEntity {
  @PrimaryColumn({ name: 'response_id', type: 'text' })
  responseId: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  state: JobState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  /** The job's MCP credentials, sealed (see JobRunContext1796900000000). */
  @Column({ name: 'sealed_credentials', type: 'text', nullable: true })
  sealedCredentials: string | null;

  /** The managed API key the job was made with (its usage counts to it). */
  @Column({ name: 'api_key_id', type: 'text', nullable: true })
  apiKeyId: string | null;

  /** The trace the job was made in (W3C trace context, as JSON), which its run continues. */
  @Column({ name: 'trace_context', type: 'text', nullable: true })
  traceContext: string | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @ManyToOne(() => ResponseEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'response_id', foreignKeyConstraintName: 'jobs_response_id_fkey' })
  response?: ResponseEntity;
}
