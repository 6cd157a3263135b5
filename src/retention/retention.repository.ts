import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The advisory lock of a purge batch: while one replica holds it, the others skip their turn. */
const PURGE_LOCK = 7_362_001;

/** SQL for purging what has expired: each batch one short transaction, under the purge lock. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `limit` expired rows of one kind (their items, events, tool calls and jobs go with them through
   * their foreign keys); null when another replica holds the purge lock.
   */
  async purgeBatch(kind: 'responses' | 'conversations' | 'webhooks', days: number, limit: number): Promise<number | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }]: Array<{ locked: boolean }> = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [PURGE_LOCK]);
      if (!locked) return null;
      const [, count]: [unknown, number] = await manager.query(PURGES[kind], [days, limit]);
      return count;
    });
  }
}

const PURGES = {
  // A response still queued or running is never purged under its run.
  responses: `DELETE FROM responses WHERE id IN (
      SELECT id FROM responses
       WHERE created_at < now() - make_interval(days => $1) AND status NOT IN ('queued', 'in_progress')
       ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  conversations: `DELETE FROM conversations WHERE id IN (
      SELECT c.id FROM conversations c
       WHERE c.created_at < now() - make_interval(days => $1)
         AND NOT EXISTS (SELECT 1 FROM conversation_items i WHERE i.conversation_id = c.id AND i.added_at >= now() - make_interval(days => $1))
       ORDER BY c.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  webhooks: `DELETE FROM webhook_deliveries WHERE (event_id, endpoint) IN (
      SELECT event_id, endpoint FROM webhook_deliveries
       WHERE created_at < now() - make_interval(days => $1) AND state <> 'pending'
       LIMIT $2 FOR UPDATE SKIP LOCKED)`,
};
