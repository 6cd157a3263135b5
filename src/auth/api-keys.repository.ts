import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const API_KEYS_CHANNEL = 'api_keys_changed';

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  salt: Buffer;
  hash: Buffer;
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
    rpm: number | null;
    tpm: number | null;
  }): Promise<ApiKeyRow> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `INSERT INTO api_keys (id, tenant_id, name, salt, hash, rpm, tpm) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [row.id, row.tenantId, row.name, row.salt, row.hash, row.rpm, row.tpm],
    );
    return rows[0];
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
