import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A conversation: a tenant's ordered list of items that responses read and append to. */
@Entity('conversations')
@Index('conversations_created_idx', ['createdAt'])
export class ConversationEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;
}
