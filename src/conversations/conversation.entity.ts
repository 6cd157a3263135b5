import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A conversation: a tenant's ordered list of items that responses read and append to. */
@Entity('conversations')
export class ConversationEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'jsonb' })
  metadata: Record<string, string>;
}
