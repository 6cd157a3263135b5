import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One event to deliver to one endpoint: the webhooks' outbox (see the Webhooks migration). */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_due_idx', ['nextAttemptAt'], { where: `state = 'pending'` })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  /** A webhook_endpoints id, or `deployment` for WEBHOOK_URL. */
  @PrimaryColumn({ type: 'text' })
  endpoint: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'response_id', type: 'text' })
  responseId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** pending, delivered, or failed (given up after WEBHOOK_MAX_AGE_MS). */
  @Column({ type: 'text', default: 'pending' })
  state: string;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}
