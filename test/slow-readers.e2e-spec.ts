import { request } from 'node:http';

import WebSocket from 'ws';

import { streamStored, waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * A streamed create whose client reads the first chunk (to learn the response id) and then stops reading, as a
 * stuck consumer does. `readRest` reads on: what the server had sent before it cut the connection.
 */
function stuckReader(url: string, input: string): Promise<{ id: string; readRest: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/responses`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        res.pause();
        const id = /"id":"(resp_[^"]+)"/.exec(chunk.toString())?.[1];
        const readRest = () =>
          new Promise<string>((done) => {
            let text = '';
            res.on('data', (more: Buffer) => (text += more.toString()));
            res.on('close', () => done(text));
            res.on('error', () => done(text));
            res.resume();
          });
        if (id) resolve({ id, readRest });
        else reject(new Error(`no id in ${chunk.toString().slice(0, 200)}`));
      });
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ model: 'm', input, stream: true }));
  });
}

describe('Slow readers', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Outputs of 40 MB: beyond MAX_OUTPUT_CHARS' default, which would end them before the reader is cut off.
    server = await startTestServer({ STREAM_MAX_BUFFER_BYTES: '262144', MAX_OUTPUT_CHARS: String(64 * 1024 * 1024) });
  });
  afterAll(() => server.close());

  it('disconnects a client that stops reading and ends its response cancelled with what was generated, as for a disconnect', async () => {
    // 40 MB of events: far more than the sockets' buffers hold.
    const { id, readRest } = await stuckReader(server.url, 'BYTES 20000 2000');
    await waitFor(async () => ((await server.client.responses.retrieve(id)).status === 'cancelled' ? true : undefined), 15_000);
    const response = await server.client.responses.retrieve(id);
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.output_text.length).toBeLessThan(40_000_000);
    // The client's stream was cut: it ends without a terminal event.
    expect(await readRest()).not.toMatch(/event: response\.(completed|cancelled)/);
    // Everything that was generated is in the log: a client resumes from it.
    const events = await streamStored(server.url, id);
    expect(events.at(-1)?.type).toBe('response.cancelled');
  });

  /** Reads a stream's first chunk, stalls for longer than the buffer takes to fill, then reads on to the end. */
  async function readSlowly(res: Response): Promise<string[]> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    return text.split('\n\n').filter((frame) => frame.startsWith('event: '));
  }

  it('replays a long log, and a long finished response, to a slow reader at its pace instead of cutting it off', async () => {
    // About 2 MB of events, logged by a background job (nobody reads them live).
    const logged = await server.client.responses.create({ model: 'm', input: 'TOKENS 10000', background: true, stream: true });
    let id = '';
    for await (const event of logged) {
      if (event.type === 'response.created') id = event.response.id;
      break;
    }
    await waitFor(async () => ((await server.client.responses.retrieve(id)).status === 'completed' ? true : undefined), 15_000);
    const frames = await readSlowly(await fetch(`${server.url}/v1/responses/${id}?stream=true`));
    expect(frames.length).toBeGreaterThan(10_000);
    expect(frames.at(-1)).toMatch(/^event: response.completed/);
    expect(frames.map((frame) => Number(/"sequence_number":(\d+)}$/.exec(frame)?.[1]))).toEqual(frames.map((_, i) => i));

    // Not streamed: replayed from the stored object, just as paced.
    const polled = await server.client.responses.create({ model: 'm', input: 'TOKENS 10000', background: true });
    await waitFor(async () => ((await server.client.responses.retrieve(polled.id)).status === 'completed' ? true : undefined), 15_000);
    const replayed = await readSlowly(await fetch(`${server.url}/v1/responses/${polled.id}?stream=true`));
    expect(replayed.at(-1)).toMatch(/^event: response.completed/);
  });

  it('cuts off a WebSocket client that stops reading, and stops its response', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/responses`);
    await new Promise((resolve) => socket.once('open', resolve));
    let id = '';
    socket.once('message', (data) => {
      id = JSON.parse(data.toString()).response.id;
      // Stop reading: the socket's data stays in the kernel and then in the server's queue.
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    });
    socket.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'BYTES 20000 2000' }));
    await waitFor(async () => (id !== '' && (await server.client.responses.retrieve(id)).status === 'cancelled' ? true : undefined), 15_000);
    socket.terminate();
  });
});
