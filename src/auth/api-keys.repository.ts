import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const API_KEYS_CHANNEL = 'api_keys_changed';

/** How a key's hash was made (see managed-keys.ts). */
export type HashKind = 'scrypt' | 'sha256';

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  salt: Buffer;
  hash: Buffer;
  hash_kind: HashKind;
  rpm: number | null;
  tpm: number | null;
  created_at: Date;
  revoked_at: Date | null;
}

/** SQL for the managed API keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: {
    id: string;
    tenantId: string;
    name: string | null;
    salt: Buffer;
    hash: Buffer;
    hashKind: HashKind;
    rpm: number | null;
    tpm: number | null;
  }): Promise<ApiKeyRow> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `INSERT INTO api_keys (id, tenant_id, name, salt, hash, hash_kind, rpm, tpm) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [row.id, row.tenantId, row.name, row.salt, row.hash, row.hashKind, row.rpm, row.tpm],
    );
    return rows[0];
  }

  /** Keeps a key's hash as SHA-256 from now on (see managed-keys.ts), unless another replica already did. */
  async rehash(id: string, hash: Buffer): Promise<void> {
    await this.dataSource.query(`UPDATE api_keys SET hash = $2, hash_kind = 'sha256' WHERE id = $1 AND hash_kind = 'scrypt'`, [id, hash]);
  }

  async find(id: string): Promise<ApiKeyRow | undefined> {
    const rows: ApiKeyRow[] = await this.dataSource.query(`SELECT * FROM api_keys WHERE id = $1`, [id]);
    return rows[0];
  }

  list(tenantId?: string): Promise<ApiKeyRow[]> {
    return tenantId
      ? this.dataSource.query(`SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])
      : this.dataSource.query(`SELECT * FROM api_keys ORDER BY created_at, id`);
  }

  /** Revokes a key and tells every replica; the key as it ends up, or undefined when there is none. */
  async revoke(id: string): Promise<ApiKeyRow | undefined> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *)
       SELECT revoked.*, pg_notify('${API_KEYS_CHANNEL}', revoked.id) FROM revoked`,
      [id],
    );
    return rows[0];
  }

  /** How many keys were ever made, and the ids of those revoked. */
  async state(): Promise<{ total: number; revoked: string[] }> {
    const rows: Array<{ total: number; revoked: string[] }> = await this.dataSource.query(
      `SELECT count(*)::int AS total, coalesce(array_agg(id) FILTER (WHERE revoked_at IS NOT NULL), '{}') AS revoked FROM api_keys`,
    );
    return rows[0];
  }
}
