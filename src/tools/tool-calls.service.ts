import { Injectable } from '@nestjs/common';

import type { FunctionCallItem } from '../common/openai/types';
import { type ToolCallRecord, ToolCallsRepository } from './tool-calls.repository';

/** Tool-call state: which calls a response made, which are still waiting for output. */
@Injectable()
export class ToolCallsService {
  constructor(private readonly repository: ToolCallsRepository) {}

  recordCalls(responseId: string, calls: FunctionCallItem[]): Promise<void> {
    return this.repository.insertPending(responseId, calls);
  }

  list(responseId: string): Promise<ToolCallRecord[]> {
    return this.repository.list(responseId);
  }

  /** True when every call got its output now; false when any of them had been answered before (by this or a concurrent call). */
  complete(responseId: string, outputs: Array<{ callId: string; output: unknown }>): Promise<boolean> {
    return this.repository.complete(responseId, outputs);
  }

  reopen(responseId: string, callIds: string[]): Promise<void> {
    return this.repository.reopen(responseId, callIds);
  }
}
