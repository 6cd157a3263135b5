import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A managed API key: its salted hash, never the key (see managed-keys.ts). */
@Entity({ name: 'api_keys' })
@Check('api_keys_hash_kind_check', `hash_kind IN ('scrypt', 'sha256')`)
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

  @Column({ name: 'hash_kind', type: 'text' })
  hashKind: 'scrypt' | 'sha256';

  @Column({ type: 'integer', nullable: true })
  rpm: number | null;

  @Column({ type: 'integer', nullable: true })
  tpm: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
