import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A remote MCP server built with the official SDK, for the tests: streamable HTTP at `/mcp` (stateless) and the older
 * HTTP+SSE transport at `/sse` (+ `/messages`). Its tools: `add` (read-only), `echo`, `fail` (a tool error) and
 * `slow` (answers after `ms`).
 */
export interface TestMcpServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The headers of each request it received. */
  headers: IncomingHttpHeaders[];
  /** The tools it ran, with their arguments. */
  calls: Array<{ name: string; arguments: unknown }>;
  /** tools/list requests received. */
  listings: number;
  /** tools/list requests answered (let through a hold). */
  listingsAnswered: number;
  /** Holds every tools/list request until the function it gives is called. */
  holdListings(): () => void;
  close(): Promise<void>;
}

export async function startTestMcpServer(): Promise<TestMcpServer> {
  const headers: IncomingHttpHeaders[] = [];
  const calls: TestMcpServer['calls'] = [];
  const state: { listings: number; listingsAnswered: number; hold?: Promise<void> } = { listings: 0, listingsAnswered: 0 };
  const countAndHoldListing = async (body: unknown) => {
    if (!isListing(body)) return;
    state.listings += 1;
    await state.hold;
    state.listingsAnswered += 1;
  };
  const sseTransports = new Map<string, SSEServerTransport>();

  const newServer = () => {
    const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() }, annotations: { readOnlyHint: true } },
      async ({ a, b }) => {
        calls.push({ name: 'add', arguments: { a, b } });
        return { content: [{ type: 'text', text: String(a + b) }] };
      },
    );
    server.registerTool('echo', { description: 'Says the text back.', inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push({ name: 'echo', arguments: { text } });
      return { content: [{ type: 'text', text }] };
    });
    server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async () => {
      calls.push({ name: 'fail', arguments: {} });
      return { isError: true, content: [{ type: 'text', text: 'the tool broke' }] };
    });
    server.registerTool('slow', { description: 'Answers after ms milliseconds.', inputSchema: { ms: z.number() } }, async ({ ms }) => {
      calls.push({ name: 'slow', arguments: { ms } });
      await new Promise((resolve) => setTimeout(resolve, ms).unref());
      return { content: [{ type: 'text', text: 'late' }] };
    });
    return server;
  };

  const http: Server = createServer((req, res) => {
    headers.push(req.headers);
    const path = new URL(req.url!, 'http://mcp').pathname;
    void (async () => {
      if (path === '/mcp') {
        const body = req.method === 'POST' ? await readJson(req) : undefined;
        await countAndHoldListing(body);
        const server = newServer();
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      } else if (path === '/sse' && req.method === 'GET') {
        const transport = new SSEServerTransport('/messages', res);
        sseTransports.set(transport.sessionId, transport);
        res.on('close', () => sseTransports.delete(transport.sessionId));
        await newServer().connect(transport);
      } else if (path === '/messages' && req.method === 'POST') {
        const transport = sseTransports.get(new URL(req.url!, 'http://mcp').searchParams.get('sessionId') ?? '');
        if (!transport) return void res.writeHead(404).end();
        const body = await readJson(req);
        await countAndHoldListing(body);
        await transport.handlePostMessage(req, res, body);
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    headers,
    calls,
    get listings() {
      return state.listings;
    },
    get listingsAnswered() {
      return state.listingsAnswered;
    },
    holdListings() {
      let release!: () => void;
      state.hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        state.hold = undefined;
        release();
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function isListing(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'tools/list';
}

async function readJson(req: import('node:http').IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
}
