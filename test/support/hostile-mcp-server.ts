import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { writeEndlessAnswer } from './endless-answer';

/**
 * An MCP server (streamable HTTP, JSON-RPC written by hand) that misbehaves as its path says:
 * - `/huge-listing/json`, `/huge-listing/sse`: lists one tool whose description never ends (600 MB), as a JSON answer
 *   or as an event of an event stream;
 * - `/endless-pages`: lists one small tool a page, each page with a cursor to the next;
 * - `/huge-call`: lists `dump`, whose result never ends (600 MB).
 * It counts what it managed to send, so a test can tell that the reader stopped reading.
 */
export interface HostileMcpServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Bytes of the never-ending answers written into their sockets. */
  bytesSent: number;
  /** tools/list requests received. */
  pages: number;
  close(): Promise<void>;
}

const ENDLESS_BYTES = 600 * 1024 * 1024;

export async function startHostileMcpServer(): Promise<HostileMcpServer> {
  const state = { bytesSent: 0, pages: 0 };

  const endless = (res: ServerResponse, head: string, tail: string) =>
    writeEndlessAnswer(res, head, tail, ENDLESS_BYTES, (bytes) => (state.bytesSent += bytes));

  const answer = (res: ServerResponse, id: unknown, result: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }));

  const handle = (path: string, message: { id?: unknown; method?: string; params?: { cursor?: string } }, res: ServerResponse) => {
    const { id, method } = message;
    if (method === 'initialize') {
      return answer(res, id, { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1.0.0' } });
    }
    if (id === undefined) return void res.writeHead(202).end();
    if (method === 'tools/list') state.pages += 1;
    const json = (result: string) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}`;
    const hugeTool = '{"tools":[{"name":"huge","inputSchema":{"type":"object"},"description":"';
    if (path === '/huge-listing/json' && method === 'tools/list') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return endless(res, json(hugeTool), '"}]}}');
    }
    if (path === '/huge-listing/sse' && method === 'tools/list') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return endless(res, `event: message\ndata: ${json(hugeTool)}`, '"}]}}\n\n');
    }
    if (path === '/endless-pages' && method === 'tools/list') {
      const page = Number(message.params?.cursor ?? 0);
      return answer(res, id, { tools: [{ name: `tool_${page}`, inputSchema: { type: 'object' } }], nextCursor: String(page + 1) });
    }
    if (path === '/huge-call' && method === 'tools/list') return answer(res, id, { tools: [{ name: 'dump', inputSchema: { type: 'object' } }] });
    if (path === '/huge-call' && method === 'tools/call') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return endless(res, json('{"content":[{"type":"text","text":"'), '"}]}}');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'unknown' } }));
  };

  const http: Server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    void readJson(req).then((message) => handle(new URL(req.url!, 'http://mcp').pathname, message, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    get bytesSent() {
      return state.bytesSent;
    },
    get pages() {
      return state.pages;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<{ id?: unknown; method?: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: string };
}
