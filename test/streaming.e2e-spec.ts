import type { ResponseStreamEvent } from 'openai/resources/responses/responses';

import { parseFrame, readFrames, waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const TEXT_SEQUENCE = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('Streaming', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ STREAM_HEARTBEAT_MS: '150' });
  });
  afterAll(() => server.close());

  it('streams the exact OpenAI event sequence with increasing sequence numbers', async () => {
    const events = await collect(await server.client.responses.create({ model: 'stub-model', input: 'stream me', stream: true }));
    expect(events.map((e) => e.type)).toEqual(TEXT_SEQUENCE);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e): e is Extract<ResponseStreamEvent, { type: 'response.output_text.delta' }> => e.type === 'response.output_text.delta');
    expect(deltas.map((d) => d.delta).join('')).toBe('Hello! You said: stream me');
    const itemId = (events[2] as Extract<ResponseStreamEvent, { type: 'response.output_item.added' }>).item.id;
    for (const delta of deltas) expect(delta).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
    const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
    expect(completed.response.status).toBe('completed');
    expect(completed.response.usage?.total_tokens).toBeGreaterThan(0);
    // Readable and chainable the moment the stream says completed.
    const stored = await server.client.responses.retrieve(completed.response.id);
    expect(stored.output_text).toBe('Hello! You said: stream me');
    expect(stored.output).toEqual(completed.response.output);
  });

  it('works with the SDK stream helper and its final response', async () => {
    const stream = server.client.responses.stream({ model: 'stub-model', input: 'helper' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Hello! You said: helper');
    expect(final.status).toBe('completed');
    expect(final.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'Hello! You said: helper' }] });
  });

  it('writes each event as one LF-terminated frame', async () => {
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'stub-model', input: 'frames', stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = await readFrames(res);
    expect(frames.join('')).not.toContain('\r');
    for (const frame of frames) {
      expect(frame).toMatch(/^event: [a-z_.]+\ndata: \{.*\}$/);
      const { event, data } = parseFrame(frame);
      expect(data.type).toBe(event);
    }
  });

  it('replays a finished stream from any point with starting_after', async () => {
    const live = await collect(await server.client.responses.create({ model: 'stub-model', input: 'replay me', stream: true }));
    const id = (live[0] as Extract<ResponseStreamEvent, { type: 'response.created' }>).response.id;
    const replayed = await collect(await server.client.responses.retrieve(id, { stream: true }));
    expect(replayed).toEqual(live);
    const tail = await collect(await server.client.responses.retrieve(id, { stream: true, starting_after: 5 }));
    expect(tail).toEqual(live.slice(6));
  });

  it('replays a response that was not streamed with the same event shapes', async () => {
    const response = await server.client.responses.create({ model: 'stub-model', input: 'not streamed' });
    const events = await collect(await server.client.responses.retrieve(response.id, { stream: true }));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const { output_text: _sdkConvenience, ...wire } = response;
    expect((events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>).response).toEqual(wire);
  });

  it('keeps an idle stream alive with SSE comments, which every client ignores', async () => {
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'stub-model', input: 'TOKENS 2 400', stream: true }),
    });
    const text = await res.text();
    expect(text).toContain(': ping\n\n');
    expect(text).not.toContain('response.ping');
  });

  it('sends response.ping heartbeats to a client that asks for the legacy events', async () => {
    const stream = await server.client.responses.create(
      { model: 'stub-model', input: 'TOKENS 2 400', stream: true },
      { headers: { 'X-Legacy-Stream-Events': 'true' } },
    );
    const events = await collect(stream);
    const types = events.map((e) => e.type as string);
    expect(types).toContain('response.ping');
    expect(types.filter((t) => t !== 'response.ping')).toEqual([
      ...TEXT_SEQUENCE.slice(0, 4),
      'response.output_text.delta',
      'response.output_text.delta',
      ...TEXT_SEQUENCE.slice(-4),
    ]);
  });

  it('cancels the upstream call when the client disconnects, and the response ends cancelled', async () => {
    const controller = new AbortController();
    const stream = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 200 20', stream: true }, { signal: controller.signal });
    let id = '';
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta' && ++deltas === 3) controller.abort();
    }
    expect(deltas).toBe(3);
    const abortedBefore = server.stub.aborted;
    const stored = await waitFor(async () => {
      const response = await server.client.responses.retrieve(id);
      return response.status !== 'in_progress' ? response : undefined;
    });
    expect(stored.status).toBe('cancelled');
    expect(stored.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    await waitFor(async () => (server.stub.aborted > 0 ? true : undefined));
    expect(server.stub.aborted).toBeGreaterThanOrEqual(Math.max(1, abortedBefore));
  });

  it('ends with response.failed when the upstream fails mid-stream', async () => {
    const events = await collect(await server.client.responses.create({ model: 'stub-model', input: 'DROP', stream: true }));
    const last = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.failed' }>;
    expect(last.type).toBe('response.failed');
    expect(last.response.status).toBe('failed');
    expect(last.response.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const stored = await server.client.responses.retrieve(last.response.id);
    expect(stored.status).toBe('failed');
  });
});
