import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** SQL for server_secrets. */
@Injectable()
export class ServerSecretsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The secret `name`, stored as `candidate` if there was none yet: every replica gets the first one written. */
  async getOrCreate(name: string, candidate: Buffer): Promise<Buffer> {
    const inserted: Array<{ value: Buffer }> = await this.dataSource.query(
      `INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value`,
      [name, candidate],
    );
    if (inserted[0]) return inserted[0].value;
    // Another replica's insert won (the conflict waited for it to commit): a new statement sees it, where one
    // statement's snapshot, taken before that commit, would not.
    const rows: Array<{ value: Buffer }> = await this.dataSource.query(`SELECT value FROM server_secrets WHERE name = $1`, [name]);
    return rows[0].value;
  }
}
