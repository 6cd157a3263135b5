import { Injectable } from '@nestjs/common';

import type { ResponseErrorBody } from '../../common/openai/types';
import { continuesFrom, EventLogService } from '../../events/event-log.service';
import type { SerializedEvent } from '../../events/serialized-event';
import { type RawResponseRow, toResponseObject } from '../store/response.mapper';
import { ResponseStreamBuilder } from './response-stream-builder';
import { ResponseWrites } from './response-writes';

/**
 * Ends a stored response that no run is driving (any more): a job cancelled before it started, a response whose
 * process died. Its closing event is appended after whatever its log holds, so a racing writer cannot drop it.
 */
@Injectable()
export class ResponseCloser {
  constructor(
    private readonly writes: ResponseWrites,
    private readonly eventLog: EventLogService,
  ) {}

  fail(row: RawResponseRow, error: ResponseErrorBody): Promise<boolean> {
    return this.close(row, (builder) => builder.fail(error));
  }

  cancel(row: RawResponseRow): Promise<boolean> {
    return this.close(row, (builder) => builder.cancel());
  }

  /**
   * Only the caller that moves the row out of queued/in_progress wins (true); its events follow its win, in a log
   * that exists (a polled background response has none: its stored state is all anyone reads).
   */
  private async close(row: RawResponseRow, end: (builder: ResponseStreamBuilder) => SerializedEvent[]): Promise<boolean> {
    const logged = await this.eventLog.lastLogged(row.id);
    const builder = new ResponseStreamBuilder(toResponseObject(row), continuesFrom(logged, row.last_sequence_number), { toolCallDeltaEvents: false });
    const events = end(builder);
    if (
      !(await this.writes.updateState({
        response: builder.response,
        lastSequenceNumber: builder.lastSequenceNumber,
        expectedStatus: ['queued', 'in_progress'],
      }))
    ) {
      return false;
    }
    if (logged !== undefined) for (const event of events) await this.eventLog.appendAtEnd(row.id, event);
    return true;
  }
}
