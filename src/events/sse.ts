import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';

import { IdleTimer } from '../common/idle-timer';
import { toApiError } from '../common/to-api-error';
import { METRICS } from '../metrics/metrics';

export interface SseEvent {
  type: string;
  json: string;
}

export interface SseOptions {
  heartbeatMs: number;
  /** Heartbeats as `response.ping` events; otherwise as SSE comments, which every client ignores. */
  pingEvents: boolean;
  /** Bytes written but not yet taken by the client beyond which it is disconnected as a reader that stays behind. */
  maxBufferedBytes: number;
}

/** One SSE frame: a single write, LF line endings, as strict clients require. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${event.json}\n\n`;
}

const PING_FRAME = sseFrame({ type: 'response.ping', json: '{"type":"response.ping"}' });
/** Frames waiting for the end of the job are written at once past this many characters (see writeSse). */
const WRITE_AT_CHARS = 64 * 1024;

/**
 * Serves an Observable of events as server-sent events. A heartbeat goes out whenever the stream has been idle
 * for `heartbeatMs`; the client going away unsubscribes, which cancels whatever produces the events. A client that
 * stops reading is disconnected once `maxBufferedBytes` wait for it, as if it had gone away (a stored response can
 * be resumed with `starting_after`): the process never holds more than that for one reader.
 */
export function writeSse(req: Request, res: Response, events: Observable<SseEvent>, options: SseOptions): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.socket?.setNoDelay(true);

  // One timer per stream, pushed back by every frame written.
  const heartbeat = new IdleTimer(options.heartbeatMs, () => {
    if (!res.destroyed) res.write(options.pingEvents ? PING_FRAME : ': ping\n\n');
  });
  const stopHeartbeat = () => heartbeat.stop();
  // Events emitted together (a response's opening events, its closing ones) leave in one write, at the end of the
  // current job of the event loop, or before the stream ends. Not by corking the response: from Node 22 a corked
  // response sends what it held in four socket writes (four TCP segments) when uncorked, and its end does not wait.
  let pending: string | undefined;
  const flush = () => {
    if (pending === undefined) return;
    const frames = pending;
    pending = undefined;
    if (!res.writableEnded && !res.destroyed) res.write(frames);
  };
  const subscription = events.subscribe({
    next: (event) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength + (pending?.length ?? 0) > options.maxBufferedBytes) {
        res.destroy();
        return;
      }
      if (pending === undefined) {
        pending = sseFrame(event);
        process.nextTick(flush);
      } else pending += sseFrame(event);
      // An upstream that sent megabytes at once emits them in one job: they go out as they come, so that a reader
      // that stays behind is found before the job ends, not once all of it was joined and written.
      if (pending.length > WRITE_AT_CHARS) flush();
      heartbeat.touch();
    },
    error: (error: unknown) => {
      stopHeartbeat();
      flush();
      const { code, message, param } = toApiError(error).toBody().error;
      res.end(sseFrame({ type: 'error', json: JSON.stringify({ type: 'error', code, message, param }) }));
    },
    complete: () => {
      stopHeartbeat();
      flush();
      res.end();
    },
  });
  // Events ready at once (a new response's first ones) leave with the headers in one write; otherwise the headers
  // go now, so that the client knows the stream is open before its first event.
  if (!res.headersSent && pending === undefined) res.flushHeaders();
  METRICS.openStreams.inc({ transport: 'sse' });
  let closed = false;
  const close = () => {
    stopHeartbeat();
    subscription.unsubscribe();
    if (closed) return;
    closed = true;
    METRICS.openStreams.dec({ transport: 'sse' });
  };
  req.on('close', close);
  res.on('close', close);
}

/**
 * Resolves when the client has taken what was written so far (at once if little waits for it), or when the
 * connection closes: what a producer that can wait (a replay of the log) awaits before its next page. It asks the
 * socket, which holds what the client has not taken, once the frames of this job of the event loop are written.
 */
export function drained(res: Response): () => Promise<void> {
  return async () => {
    // The frames emitted in this job of the event loop are written at its end (see writeSse).
    await new Promise((resolve) => setImmediate(resolve));
    const socket = res.socket;
    if (!socket || socket.destroyed || !socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  };
}
