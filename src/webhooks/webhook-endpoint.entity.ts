import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A tenant's own webhook receiver (see the Webhooks migration). */
@Entity({ name: 'webhook_endpoints' })
@Index('webhook_endpoints_tenant_idx', ['tenantId'])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  url: string;

  /** Its signing secret, sealed by the server. */
  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
