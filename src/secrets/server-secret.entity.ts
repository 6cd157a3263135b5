import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A secret the replicas share (see the ServerSecrets migration). */
@Entity({ name: 'server_secrets' })
export class ServerSecretEntity {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ type: 'bytea' })
  value: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
