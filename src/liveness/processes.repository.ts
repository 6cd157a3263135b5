import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** SQL for the processes table. */
@Injectable()
export class ProcessesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async heartbeat(id: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO processes (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, [id]);
  }

  async remove(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM processes WHERE id = $1`, [id]);
  }

  /** Forgets processes silent for a day that run nothing any more (their responses were ended by then). */
  async forgetLongDead(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM processes p WHERE heartbeat_at < now() - interval '1 day'
       AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.running_on = p.id AND r.status IN ('queued', 'in_progress'))`,
    );
  }
}
