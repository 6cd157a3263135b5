import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { APIConnectionError, RateLimitError } from 'openai';

import { ChatCompletionsTransport, readEventData } from './chat-completions-transport';

let server: Server | undefined;

/** A transport to a one-route server whose answer each test scripts. */
async function transportTo(handler: Parameters<typeof createServer>[1], maxRetries = 0): Promise<ChatCompletionsTransport> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new ChatCompletionsTransport({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, timeoutMs: 1000, maxRetries });
}

function collect(transport: ChatCompletionsTransport): Promise<string[]> {
  return transport.open({ model: 'm' }).then(
    (res) =>
      new Promise<string[]>((resolve, reject) => {
        const payloads: string[] = [];
        readEventData(res, { data: (payload) => payloads.push(payload), end: () => resolve(payloads), error: reject });
      }),
  );
}

describe('ChatCompletionsTransport', () => {
  afterEach(() => server?.close());

  it('reads data payloads whatever the line endings and however the bytes are split', async () => {
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"a":1}\r\n\r\n: a comment\n\ndata: {"b"');
      setTimeout(() => res.end(':2}\n\nevent: x\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n'), 10);
    });
    expect(await collect(transport)).toEqual(['{"a":1}', '{"b":2}', 'line one\nline two', '[DONE]']);
  });

  it('reads an event cut anywhere, a CRLF between two chunks or a line over many', async () => {
    const long = 'y'.repeat(100_000);
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const text = `data: {"a":1}\r\n\r\ndata: ${long}\n\ndata: two\r\ndata: lines\r\n\r\n`;
      const cuts = [14, 15, 16, 30, 5000, 60_000, 100_009, 100_020];
      let from = 0;
      for (const cut of cuts) {
        res.write(text.slice(from, cut));
        from = cut;
      }
      res.end(text.slice(from));
    });
    expect(await collect(transport)).toEqual(['{"a":1}', long, 'two\nlines']);
  });

  it('throws the SDK error classes, with the upstream body and headers', async () => {
    const transport = await transportTo((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit', code: null, param: null } }));
    });
    const error = await transport.open({ model: 'm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).message).toBe('429 slow down');
    expect((error as RateLimitError).headers?.get('retry-after')).toBe('7');
  });

  it('retries a retryable status up to maxRetries, honouring Retry-After', async () => {
    let calls = 0;
    const transport = await transportTo((_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503, { 'retry-after': '0' });
        return res.end('{}');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: [DONE]\n\n');
    }, 1);
    expect(await collect(transport)).toEqual(['[DONE]']);
    expect(calls).toBe(2);
  });

  it('sends again at once, on a new socket, a request whose kept-alive socket the server had closed', async () => {
    let requests = 0;
    const transport = await transportTo((req, res) => {
      requests += 1;
      // The second request of a connection meets a socket the server has closed (as after its keep-alive timeout).
      if (requests === 2) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: [DONE]\n\n');
    });
    expect(await collect(transport)).toEqual(['[DONE]']);
    // No retries allowed: the stale socket costs no attempt.
    expect(await collect(transport)).toEqual(['[DONE]']);
    expect(requests).toBe(3);
  });

  it('reports a connection cut mid-stream as a connection error', async () => {
    const transport = await transportTo((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"a":1}\n\n');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await expect(collect(transport)).rejects.toBeInstanceOf(APIConnectionError);
  });
});
