import { ApiError } from '../common/api-error';
import { METRICS } from '../metrics/metrics';

/** What a refused client is told to wait: bodies arrive in milliseconds on a working network. */
const RETRY_AFTER_S = 1;

/**
 * The bytes of request bodies a process holds while they arrive and until they are parsed (HTTP bodies, decompressed
 * as they arrive, and WebSocket messages), bounded in all and for each caller. Without a bound, clients that send most
 * of a body and then stall pin it until the request times out: 150 such uploads of 19 MB held 2.9 GB, and a gzip body
 * pins what it inflates to for a few kilobytes sent. One caller holds at most its share, so another's bodies still
 * find room.
 */
export class BodyBuffers {
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

  /** A hold for one body of `caller`'s: what it takes is given back together when the body is parsed or dropped. */
  holdFor(caller: string): BodyHold {
    return new BodyHold(this, caller);
  }

  /** Takes `bytes` for `caller`, or answers why they do not fit (and takes nothing). */
  take(caller: string, bytes: number): ApiError | undefined {
    const callers = this.byCaller.get(caller) ?? 0;
    if (callers + bytes > this.perCallerBytes) {
      return ApiError.tooManyRequests(
        `Your request bodies still arriving hold more than your share (${this.perCallerBytes} bytes) of what this server buffers; retry once they have arrived.`,
        RETRY_AFTER_S,
        'too_many_uploads',
      );
    }
    if (this.held + bytes > this.limitBytes) {
      return new ApiError(
        503,
        'The server is buffering as many request bodies as it may (BODY_BUFFER_LIMIT); retry shortly.',
        'server_overloaded',
        null,
        'server_error',
        RETRY_AFTER_S,
      );
    }
    this.byCaller.set(caller, callers + bytes);
    this.held += bytes;
    METRICS.bodyBuffers.inc(bytes);
    return undefined;
  }

  give(caller: string, bytes: number): void {
    if (bytes <= 0) return;
    const left = (this.byCaller.get(caller) ?? 0) - bytes;
    if (left > 0) this.byCaller.set(caller, left);
    else this.byCaller.delete(caller);
    this.held -= bytes;
    METRICS.bodyBuffers.dec(bytes);
  }
}

/** What one body holds of its caller's share. */
export class BodyHold {
  private bytes = 0;

  constructor(
    private readonly buffers: BodyBuffers,
    private readonly caller: string,
  ) {}

  get heldBytes(): number {
    return this.bytes;
  }

  take(bytes: number): ApiError | undefined {
    const refused = this.buffers.take(this.caller, bytes);
    if (!refused) this.bytes += bytes;
    return refused;
  }

  /** Gives back `bytes` of what this hold took (all of it by default). */
  give(bytes = this.bytes): void {
    const given = Math.min(bytes, this.bytes);
    this.bytes -= given;
    this.buffers.give(this.caller, given);
  }
}
