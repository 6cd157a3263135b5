import type { Response } from 'express';

/**
 * A request to stop a run, from whoever waits for it: a client that went away, a closed WebSocket, a job handed over
 * or cancelled. Lighter than an `AbortSignal`, which in Node 20 costs a request about 7 µs to make and reaches the old
 * generation (700 bytes) whatever its life: a run makes the one signal its backend call needs, not two.
 */
export interface Cancellation {
  readonly requested: boolean;
  /** Calls `listener` once, when the stop is requested; gives the function that stops listening. */
  onRequest(listener: () => void): () => void;
}

/** Requested when the client goes away before its answer was sent in full. */
class ClientDeparture implements Cancellation {
  requested = false;
  private readonly listeners = new Set<() => void>();

  constructor(res: Response) {
    res.once('close', () => {
      if (res.writableFinished) return;
      this.requested = true;
      for (const listener of this.listeners) listener();
    });
  }

  onRequest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
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

export function cancellationOfResponse(res: Response): Cancellation {
  return new ClientDeparture(res);
}

export function cancellationOfSignal(signal: AbortSignal): Cancellation {
  return new SignalCancellation(signal);
}
