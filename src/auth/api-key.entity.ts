import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A managed API key: its salted scrypt hash, never the key (see the ApiKeys migration). */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'bytea' })
  salt: Buffer;

  @Column({ type: 'bytea' })
  hash: Buffer;

  @Column({ type: 'integer', nullable: true })
  rpm: number | null;

  @Column({ type: 'integer', nullable: true })
  tpm: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
