/**
 * The floor of any Node gateway: `bare-relay.ts <port> <upstream url>` forwards each POST's body to the upstream's
 * `/v1/chat/completions` and copies the answer back as it arrives, chunk by chunk, with Node's HTTP alone. It parses
 * nothing, checks nothing and stores nothing; whatever a real gateway does costs on top of this.
 */
import { Agent, createServer, request } from 'node:http';

const [port, upstreamUrl] = process.argv.slice(2);
const upstream = new URL('/v1/chat/completions', upstreamUrl);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

createServer((req, res) => {
  if (req.method !== 'POST') return void res.end('ready');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const forwarded = request(upstream, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (answer) => {
      const length = answer.headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', ...(length ? { 'content-length': length } : {}) });
      answer.on('data', (chunk: Buffer) => res.write(chunk));
      answer.on('end', () => res.end());
    });
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`ready on ${port}`));
