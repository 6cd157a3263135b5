import { Agent, request, type ServerResponse } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

/**
 * What both relays do with a request: POST `body` to `upstream` and copy the answer back to `res` as it arrives,
 * chunk by chunk, with its status, content type and length and nothing else.
 */
export function copyThrough(upstream: URL, body: Buffer | string, res: ServerResponse): void {
  const forwarded = request(
    upstream,
    { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (answer) => {
      const length = answer.headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, {
        'content-type': answer.headers['content-type'] ?? 'application/json',
        ...(length ? { 'content-length': length } : {}),
      });
      answer.on('data', (chunk: Buffer) => res.write(chunk));
      answer.on('end', () => res.end());
    },
  );
  forwarded.on('error', () => res.destroy());
  forwarded.end(body);
}
