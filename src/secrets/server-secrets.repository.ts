import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** SQL for server_secrets. */
@Injectable()
export class ServerSecretsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The secret `name`, stored as `candidate` if there was none yet: every replica gets the first one written. */
  async getOrCreate(name: string, candidate: Buffer): Promise<Buffer> {
    const rows: Array<{ value: Buffer }> = await this.dataSource.query(
      `WITH created AS (INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
       SELECT value FROM created UNION ALL SELECT value FROM server_secrets WHERE name = $1 LIMIT 1`,
      [name, candidate],
    );
    return rows[0].value;
  }
}
