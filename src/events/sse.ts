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
  // Events emitted together (a response's opening events, its closing ones) leave in one write: the socket is corked
  // at the first of them and uncorked once the current job of the event loop is done, or before the response ends
  // (Node 22 writes the end's last chunk past a cork it did not make: what the cork held would follow it).
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  const subscription = events.subscribe({
    next: (event) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > options.maxBufferedBytes) {
        res.destroy();
        return;
      }
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(sseFrame(event));
      heartbeat.touch();
    },
    error: (error: unknown) => {
      stopHeartbeat();
      uncork();
      const { code, message, param } = toApiError(error).toBody().error;
      res.end(sseFrame({ type: 'error', json: JSON.stringify({ type: 'error', code, message, param }) }));
    },
    complete: () => {
      stopHeartbeat();
      uncork();
      res.end();
    },
  });
  // Events ready at once (a new response's first ones) leave with the headers in one write; otherwise the headers
  // go now, so that the client knows the stream is open before its first event.
  if (!res.headersSent) res.flushHeaders();
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
 * connection closes: what a producer that can wait (a replay of the log) awaits before its next page. It waits for
 * the socket, not the response: on Node 22 frames written under the writer's cork count against the response's own
 * buffer, which asks for a `drain` that the response emits only if the socket needed one too.
 */
export function drained(res: Response): () => Promise<void> {
  return async () => {
    // The writer's cork is released at the end of this job of the event loop: what it held is then the socket's.
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
