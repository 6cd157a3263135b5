import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import type { ApiError } from '../common/api-error';

/**
 * Answers on a bare socket, before (or instead of) Express: a request Node's parser refused, or a WebSocket upgrade
 * that is refused. The body has OpenAI's error shape like every other answer; the connection closes.
 */
export function writeRawError(socket: Duplex, error: ApiError): void {
  const text = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
