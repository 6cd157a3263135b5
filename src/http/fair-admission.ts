import { AsyncResource } from 'node:async_hooks';

import type { Request, RequestHandler } from 'express';

/**
 * Lets a burst of requests in a few at a time, with the rest of the process's work in between. Node handles every
 * connection that is ready before it looks at any other I/O again: 1,024 streaming creates arriving together (about
 * 0.7 ms each to parse, validate and start) held every stream already running for 0.8 s. A request is let in at once
 * unless those let in during this turn of the event loop have taken `sliceMs`; then it waits in line, and the
 * requests in line are let in one per turn, each after the loop has handled the I/O that was ready (the tokens of the
 * streams already running, the database's answers), a caller at a time in turn. An idle process lets every request
 * in at once. One instance serves HTTP and WebSocket mode alike (see AdmissionModule); `sliceMs` 0 lets everything
 * in at once.
 */
export class FairAdmission {
  /**
   * Those waiting, in one line per caller (a tenant, as ApiKeys.admissionLine names it), the lines taken in turn: a
   * client that floods the process waits behind itself, and another's request goes in within a round of the callers
   * waiting.
   */
  private readonly lines = new Map<string, Array<() => void>>();
  private waiting = 0;
  /** When the first request of this turn of the event loop was let in; undefined between turns. */
  private turnStartedAt?: number;

  constructor(
    private readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Lets `enter` run at once or at its turn; `caller` names whose line it waits in. */
  admit(enter: () => void, caller = ''): void {
    if (this.sliceMs <= 0) return enter();
    const now = this.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      // Runs once the loop has handled the I/O of this turn.
      setImmediate(this.nextTurn);
    }
    if (this.waiting === 0 && now - this.turnStartedAt < this.sliceMs) return enter();
    let line = this.lines.get(caller);
    if (!line) this.lines.set(caller, (line = []));
    // In its own async context (its logger, its trace), not in that of whichever request's turn lets it in.
    line.push(AsyncResource.bind(enter));
    this.waiting += 1;
  }

  /** Resolves once `caller`'s request is let in. */
  admitted(caller = ''): Promise<void> {
    return new Promise((resolve) => this.admit(resolve, caller));
  }

  /**
   * One waiting request per turn: what it starts (its body, its validation, its first queries) runs as microtasks
   * once this callback returns, so a second one let in here would run before the first could be measured.
   */
  private readonly nextTurn = (): void => {
    const next = this.lines.entries().next();
    if (next.done) {
      this.turnStartedAt = undefined;
      return;
    }
    const [caller, line] = next.value;
    const enter = line.shift()!;
    this.waiting -= 1;
    // The caller's line goes to the back of the round, or away once empty.
    this.lines.delete(caller);
    if (line.length > 0) this.lines.set(caller, line);
    this.turnStartedAt = this.now();
    setImmediate(this.nextTurn);
    enter();
  };
}

/** Express middleware that lets each request in through `admission`, in the line `lineOf` names for it. */
export function fairAdmission(admission: FairAdmission, lineOf: (req: Request) => string): RequestHandler {
  return (req, _res, next) => admission.admit(() => next(), lineOf(req));
}
