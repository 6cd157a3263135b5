import { EventEmitter } from 'node:events';

import type { Request, Response } from 'express';
import { Subject } from 'rxjs';

import { type SseEvent, writeSse } from './sse';

/** A response whose client never reads: everything written stays buffered. */
function stuckResponse() {
  const res = Object.assign(new EventEmitter(), {
    written: 0,
    writableLength: 0,
    writableEnded: false,
    destroyed: false,
    headersSent: false,
    socket: { setNoDelay: () => undefined },
    status: () => res,
    setHeader: () => res,
    flushHeaders: () => void (res.headersSent = true),
    write(chunk: string) {
      res.headersSent = true;
      res.written += chunk.length;
      res.writableLength += chunk.length;
      return false;
    },
    end: () => void (res.writableEnded = true),
    destroy: () => void (res.destroyed = true),
  });
  return res;
}

describe('writeSse', () => {
  it('cuts off a reader that stays behind while an upstream burst is still being emitted, not after it', async () => {
    const res = stuckResponse();
    const events = new Subject<SseEvent>();
    const maxBufferedBytes = 256 * 1024;
    writeSse(new EventEmitter() as unknown as Request, res as unknown as Response, events, { heartbeatMs: 60_000, pingEvents: false, maxBufferedBytes });
    // 40 MB of deltas emitted in one job of the event loop, as a fast upstream's chunks are.
    const delta: SseEvent = { type: 'response.output_text.delta', json: JSON.stringify({ delta: 'x'.repeat(2000) }) };
    try {
      for (let i = 0; i < 20_000; i++) events.next(delta);
      await new Promise((resolve) => process.nextTick(resolve));
      expect(res.destroyed).toBe(true);
      // What it was sent is bounded by the limit and one write's worth, not by the burst.
      expect(res.written).toBeLessThan(maxBufferedBytes + 2 * 64 * 1024);
    } finally {
      events.complete();
    }
  });
});
