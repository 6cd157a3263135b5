import { METRICS } from '../metrics/metrics';

/** Whose bound a take would pass: its caller's share, or the process's whole. */
export type Refusal = 'caller' | 'process';

/** What the bytes are held for: a request's body still arriving, or an answer its client has not read yet. */
export type HeldFor = 'body' | 'answer';

/**
 * The bytes a process holds for its clients' slow I/O, bounded in all and for each caller: request bodies as they
 * arrive until they are parsed (HTTP bodies, decompressed as they arrive, and WebSocket messages), and answers written
 * but not yet read. Without a bound, clients that send most of a body and then stall pin it until the request times
 * out (150 such uploads of 19 MB grew the process by 2.7 GB, and a gzip body pins what it inflates to for a few
 * kilobytes sent), and clients that ask for large answers and do not read them pin those. One caller holds at most
 * its share, so another's still find room.
 */
export class ClientBuffers {
  private held = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(
    readonly limitBytes: number,
    readonly perCallerBytes: number,
  ) {}

  /** The bytes held now, by every caller. */
  get heldBytes(): number {
    return this.held;
  }

  /** A hold for one body or answer of `caller`'s: what it takes is given back together when it is done. */
  holdFor(caller: string, heldFor: HeldFor): ClientHold {
    return new ClientHold(this, caller, heldFor);
  }

  /** Takes `bytes` for `caller`, or answers whose bound they would pass (and takes nothing). */
  take(caller: string, bytes: number, heldFor: HeldFor): Refusal | undefined {
    const callers = this.byCaller.get(caller) ?? 0;
    if (callers + bytes > this.perCallerBytes) return 'caller';
    if (this.held + bytes > this.limitBytes) return 'process';
    this.byCaller.set(caller, callers + bytes);
    this.held += bytes;
    METRICS.clientBuffers.inc({ held_for: heldFor }, bytes);
    return undefined;
  }

  give(caller: string, bytes: number, heldFor: HeldFor): void {
    if (bytes <= 0) return;
    const left = (this.byCaller.get(caller) ?? 0) - bytes;
    if (left > 0) this.byCaller.set(caller, left);
    else this.byCaller.delete(caller);
    this.held -= bytes;
    METRICS.clientBuffers.dec({ held_for: heldFor }, bytes);
  }
}

/** What one body or answer holds of its caller's share. */
export class ClientHold {
  private bytes = 0;

  constructor(
    private readonly buffers: ClientBuffers,
    private readonly caller: string,
    private readonly heldFor: HeldFor,
  ) {}

  get heldBytes(): number {
    return this.bytes;
  }

  take(bytes: number): Refusal | undefined {
    const refused = this.buffers.take(this.caller, bytes, this.heldFor);
    if (!refused) this.bytes += bytes;
    return refused;
  }

  /** Gives back `bytes` of what this hold took (all of it by default). */
  give(bytes = this.bytes): void {
    const given = Math.min(bytes, this.bytes);
    this.bytes -= given;
    this.buffers.give(this.caller, given, this.heldFor);
  }
}
