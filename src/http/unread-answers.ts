import type { Request, RequestHandler } from 'express';

import type { ClientBuffers } from './client-buffers';

/**
 * Counts what an answer leaves in this process for its client to read (what the kernel's socket buffer did not take
 * when it was written: most of an answer of megabytes, to a client that reads slowly or not at all) against the
 * client buffers, until it has been handed on. An answer that does not fit is not kept: its connection is closed, as
 * a stream's is when its reader stays behind. Clients that ask for large pages (up to MAX_CONTEXT_BYTES) and never
 * read them would otherwise pin each one.
 */
export function unreadAnswers(buffers: ClientBuffers, callerOf: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    // Emitted by `end()` once the answer is in the socket (or its queue).
    res.once('prefinish', () => {
      const socket = res.socket;
      const unread = socket?.writableLength ?? 0;
      if (!socket || unread === 0) return;
      const hold = buffers.holdFor(callerOf(req), 'answer');
      if (hold.take(unread)) {
        socket.destroy();
        return;
      }
      const giveBack = () => hold.give();
      res.once('finish', giveBack).once('close', giveBack);
    });
    next();
  };
}
