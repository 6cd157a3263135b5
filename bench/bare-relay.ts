/**
 * The floor of any Node gateway: `bare-relay.ts <port> <upstream url>` forwards each POST's body to the upstream's
 * `/v1/chat/completions` and copies the answer back as it arrives, chunk by chunk, with Node's HTTP alone. It parses
 * nothing, checks nothing and stores nothing; whatever a real gateway does costs on top of this.
 */
import { createServer } from 'node:http';

import { copyThrough } from './copy-through';

const [port, upstreamUrl] = process.argv.slice(2);
const upstream = new URL('/v1/chat/completions', upstreamUrl);

createServer((req, res) => {
  if (req.method !== 'POST') return void res.end('ready');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => copyThrough(upstream, Buffer.concat(chunks), res));
}).listen(Number(port), '127.0.0.1', () => console.log(`ready on ${port}`));
