import type { ServerResponse } from 'node:http';

const BLOCK = 'x'.repeat(64 * 1024);

/**
 * Writes `head`, then 'x' for `bytes` (as fast as the reader takes them: a reader that stops reading stops it), then
 * `tail`; tells `sent` of each block written into the socket, so that a test can tell how much a reader took.
 */
export function writeEndlessAnswer(res: ServerResponse, head: string, tail: string, bytes: number, sent: (bytes: number) => void): void {
  res.write(head);
  let written = 0;
  const push = () => {
    while (written < bytes && !res.destroyed) {
      written += BLOCK.length;
      sent(BLOCK.length);
      if (!res.write(BLOCK)) return void res.once('drain', push);
    }
    res.end(tail);
  };
  push();
}
