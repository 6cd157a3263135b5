import type { ClientHold, Refusal } from '../../http/client-buffers';

/**
 * What a WebSocket connection's messages hold of the client buffers (see ClientBuffers), as an HTTP body does: from their
 * first byte on the socket until each is parsed, so the message still arriving and those waiting their turn behind
 * a running one.
 */
export class MessageHold {
  /** Bytes received since the last message was complete: the next message's. */
  private arriving = 0;

  constructor(private readonly hold: ClientHold) {}

  /** Takes bytes as they arrive on the socket, before the WebSocket reads them; answers the refusal when they do not fit. */
  received(bytes: number): Refusal | undefined {
    const refused = this.hold.take(bytes);
    if (!refused) this.arriving += bytes;
    return refused;
  }

  /** A message is complete: answers what it holds, to give back once it is parsed. */
  completed(): number {
    const bytes = this.arriving;
    this.arriving = 0;
    return bytes;
  }

  parsed(bytes: number): void {
    this.hold.give(bytes);
  }

  closed(): void {
    this.hold.give();
  }
}
