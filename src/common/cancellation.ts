import type { ServerResponse } from 'node:http';

/**
 * A request to stop a run, from whoever waits for it (a client that went away, a closed WebSocket, a job handed over
 * or cancelled) or from the run itself. Lighter than an `AbortSignal`, which in Node 20 costs about 7 µs to make,
 * gets three hidden classes of its own in the old generation (700 bytes), and a listener on it costs as much again:
 * a run makes a signal only for what needs one (fetch, the embedded engine, MCP servers).
 */
export interface Cancellation {
  readonly requested: boolean;
  /** Calls `listener` once, when the stop is requested; gives the function that stops listening. */
  onRequest(listener: () => void): () => void;
}

/** A cancellation that whoever holds it requests. */
export class CancellationSource implements Cancellation {
  requested = false;
  private readonly listeners = new Set<() => void>();
  private controller?: AbortController;

  request(): void {
    if (this.requested) return;
    this.requested = true;
    this.controller?.abort();
    for (const listener of this.listeners) listener();
    this.listeners.clear();
  }

  onRequest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The same request as a signal, for what takes one: made when first asked for. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.requested) this.controller.abort();
    }
    return this.controller.signal;
  }
}

/** Requested when the client goes away before its answer was sent in full. */
export function cancellationOfResponse(res: ServerResponse): Cancellation {
  const source = new CancellationSource();
  res.once('close', () => {
    if (!res.writableFinished) source.request();
  });
  return source;
}

/** Requested when the signal aborts. */
class SignalCancellation implements Cancellation {
  constructor(private readonly signal: AbortSignal) {}

  get requested(): boolean {
    return this.signal.aborted;
  }

  onRequest(listener: () => void): () => void {
    this.signal.addEventListener('abort', listener, { once: true });
    return () => this.signal.removeEventListener('abort', listener);
  }
}

export function cancellationOfSignal(signal: AbortSignal): Cancellation {
  return new SignalCancellation(signal);
}
