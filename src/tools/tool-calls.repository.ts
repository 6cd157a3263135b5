import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import type { FunctionCallItem } from '../common/openai/types';
import type { ToolCallStatus } from './tool-call.entity';

export interface ToolCallRecord {
  callId: string;
  itemId: string;
  name: string;
  arguments: string;
  status: ToolCallStatus;
  output: unknown;
}

/** SQL for tool_calls. */
@Injectable()
export class ToolCallsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a response's calls as pending; none for a response deleted meanwhile (its owner's choice, not a failure). */
  async insertPending(responseId: string, calls: FunctionCallItem[]): Promise<void> {
    if (calls.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO tool_calls (response_id, call_id, item_id, name, arguments, status)
       SELECT $1, c, i, n, a, 'pending' FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(c, i, n, a)
       WHERE EXISTS (SELECT 1 FROM responses WHERE id = $1)
       ON CONFLICT DO NOTHING`,
      [responseId, calls.map((c) => c.call_id), calls.map((c) => c.id), calls.map((c) => c.name), calls.map((c) => c.arguments)],
    );
  }

  async list(responseId: string): Promise<ToolCallRecord[]> {
    const rows: Array<{ call_id: string; item_id: string; name: string; arguments: string; status: ToolCallStatus; output: unknown }> =
      await this.dataSource.query(
        `SELECT call_id, item_id, name, arguments, status, output FROM tool_calls WHERE response_id = $1 ORDER BY created_at, call_id`,
        [responseId],
      );
    return rows.map((row) => ({ callId: row.call_id, itemId: row.item_id, name: row.name, arguments: row.arguments, status: row.status, output: row.output }));
  }

  /**
   * Marks the given calls completed with their outputs, atomically and only if every one of them is still pending:
   * of two concurrent submissions for the same call, exactly one wins. Returns false when any was already answered.
   */
  async complete(responseId: string, outputs: Array<{ callId: string; output: unknown }>): Promise<boolean> {
    return this.dataSource
      .transaction(async (manager) => {
        const updated: [unknown[], number] = await manager.query(
          `UPDATE tool_calls t SET status = 'completed', output = o.output, completed_at = now()
         FROM (SELECT c, (p)::jsonb AS output FROM unnest($2::text[], $3::text[]) AS x(c, p)) o
         WHERE t.response_id = $1 AND t.call_id = o.c AND t.status = 'pending'`,
          [responseId, outputs.map((o) => o.callId), outputs.map((o) => JSON.stringify(o.output))],
        );
        // Throwing rolls the transaction back, so a partly answered submission leaves nothing behind.
        if (updated[1] !== outputs.length) throw new ToolCallConflict();
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof ToolCallConflict) return false;
        throw error;
      });
  }

  /** Puts calls back to pending (a continuation that could not start). */
  async reopen(responseId: string, callIds: string[]): Promise<void> {
    await this.dataSource.query(`UPDATE tool_calls SET status = 'pending', output = NULL, completed_at = NULL WHERE response_id = $1 AND call_id = ANY($2)`, [
      responseId,
      callIds,
    ]);
  }
}

class ToolCallConflict extends Error {}
