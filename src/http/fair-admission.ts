import { AsyncResource } from 'node:async_hooks';

import type { RequestHandler } from 'express';

/**
 * Lets a burst of requests in a few at a time, with the rest of the process's work in between. Node handles every
 * connection that is ready before it looks at any other I/O again: 1,024 streaming creates arriving together (about
 * 0.7 ms each to parse, validate and start) held every stream already running for 0.8 s. A request is let in at once
 * unless those let in during this turn of the event loop have taken `sliceMs`; then it waits in line, and the
 * requests in line are let in one per turn, each after the loop has handled the I/O that was ready (the tokens of the
 * streams already running, the database's answers). An idle process lets every request in at once. One instance
 * serves HTTP and WebSocket mode alike (see AdmissionModule); `sliceMs` 0 lets everything in at once.
 */
export class FairAdmission {
  private readonly waiting: Array<() => void> = [];
  /** When the first request of this turn of the event loop was let in; undefined between turns. */
  private turnStartedAt?: number;

  constructor(
    private readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  admit(enter: () => void): void {
    if (this.sliceMs <= 0) return enter();
    const now = this.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      // Runs once the loop has handled the I/O of this turn.
      setImmediate(this.nextTurn);
    }
    if (this.waiting.length === 0 && now - this.turnStartedAt < this.sliceMs) return enter();
    // In its own async context (its logger, its trace), not in that of whichever request's turn lets it in.
    this.waiting.push(AsyncResource.bind(enter));
  }

  /** Resolves once the caller is let in. */
  admitted(): Promise<void> {
    return new Promise((resolve) => this.admit(resolve));
  }

  /**
   * One waiting request per turn: what it starts (its body, its validation, its first queries) runs as microtasks
   * once this callback returns, so a second one let in here would run before the first could be measured.
   */
  private readonly nextTurn = (): void => {
    const enter = this.waiting.shift();
    if (!enter) {
      this.turnStartedAt = undefined;
      return;
    }
    this.turnStartedAt = this.now();
    setImmediate(this.nextTurn);
    enter();
  };
}

/** Express middleware that lets each request in through `admission`. */
export function fairAdmission(admission: FairAdmission): RequestHandler {
  return (_req, _res, next) => admission.admit(() => next());
}
