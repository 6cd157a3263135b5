import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import WebSocket from 'ws';
import { z } from 'zod';

import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

type Message = {
  type: string;
  sequence_number?: number;
  status?: number;
  error?: { code: string | null; param: string | null; message: string };
  response?: { id: string; status: string };
};

/** A WebSocket to /v1/responses that sends response.create messages and reads each turn to its end. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`, { headers });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const inbox: Message[] = [];
  const waiting: Array<() => void> = [];
  socket.on('message', (data) => {
    inbox.push(JSON.parse(data.toString()));
    waiting.splice(0).forEach((wake) => wake());
  });
  const next = async (): Promise<Message> => {
    while (inbox.length === 0) await new Promise<void>((wake) => waiting.push(wake));
    return inbox.shift()!;
  };
  return {
    socket,
    send: (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    /** The messages of one turn, up to its terminal event or error. */
    turn: async (): Promise<Message[]> => {
      const messages: Message[] = [];
      for (;;) {
        const message = await next();
        messages.push(message);
        if (message.type === 'error' || ['response.completed', 'response.failed', 'response.incomplete', 'response.cancelled'].includes(message.type))
          return messages;
      }
    },
  };
}

describe('WebSocket mode (/v1/responses)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('streams turn after turn on one connection, and goes on from its last response with store: false', async () => {
    const ws = await connect(server.url);
    ws.send({ type: 'response.create', model: 'stub-model', input: 'My name is Ada.', store: false });
    const first = await ws.turn();
    expect(first.map((m) => m.type)).toEqual(expect.arrayContaining(['response.created', 'response.output_text.delta', 'response.completed']));
    expect(first.map((m) => m.sequence_number)).toEqual(first.map((_, i) => i));
    const firstId = first.at(-1)!.response!.id;

    ws.send({ type: 'response.create', model: 'stub-model', previous_response_id: firstId, input: 'What is my name?', store: false });
    const second = await ws.turn();
    expect(second.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
    expect(server.stub.requests.at(-1)!.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);

    // Nothing of it was stored: another connection cannot go on from it, and says so; the connection stays usable.
    const other = await connect(server.url);
    other.send({ type: 'response.create', model: 'stub-model', previous_response_id: firstId, input: 'Hello?' });
    expect(await other.turn()).toEqual([{ type: 'error', status: 400, error: expect.objectContaining({ code: 'previous_response_not_found' }) }]);
    other.send({ type: 'response.create', model: 'stub-model', input: 'Fresh start' });
    expect((await other.turn()).at(-1)!.type).toBe('response.completed');
    ws.socket.close();
    other.socket.close();
  });

  it('forgets the response a failed continuation went on from', async () => {
    const ws = await connect(server.url);
    ws.send({ type: 'response.create', model: 'stub-model', input: 'Remember me.', store: false });
    const id = (await ws.turn()).at(-1)!.response!.id;
    ws.send({ type: 'response.create', model: 'stub-model', previous_response_id: id, input: 'HTTP 500', store: false });
    expect((await ws.turn()).at(-1)!.type).toBe('response.failed');
    ws.send({ type: 'response.create', model: 'stub-model', previous_response_id: id, input: 'Again', store: false });
    expect((await ws.turn())[0]).toMatchObject({ type: 'error', error: { code: 'previous_response_not_found' } });
    ws.socket.close();
  });

  it('answers a bad message with an error message and stays open', async () => {
    const ws = await connect(server.url);
    ws.send('not json');
    expect((await ws.turn())[0]).toMatchObject({ type: 'error', status: 400, error: { code: 'invalid_json' } });
    ws.send({ type: 'response.cancel' });
    expect((await ws.turn())[0]).toMatchObject({ type: 'error', status: 400, error: { code: 'unknown_event_type', param: 'type' } });
    ws.send({ type: 'response.create', model: 'stub-model', input: 'x', background: true });
    expect((await ws.turn())[0]).toMatchObject({ type: 'error', error: { param: 'background' } });
    ws.send({ type: 'response.create', model: 'stub-model', input: 'x', temperature: 9 });
    expect((await ws.turn())[0]).toMatchObject({ type: 'error', status: 400, error: { param: 'temperature' } });
    ws.send({ type: 'response.create', model: 'stub-model', input: 'Still here?' });
    expect((await ws.turn()).at(-1)!.type).toBe('response.completed');
    ws.socket.close();
  });

  it('stops the backend when the connection closes mid-response', async () => {
    const abortedBefore = server.stub.aborted;
    const ws = await connect(server.url);
    ws.send({ type: 'response.create', model: 'stub-model', input: 'TOKENS 400 20' });
    await new Promise((resolve) => ws.socket.once('message', resolve));
    ws.socket.close();
    await waitFor(async () => (server.stub.aborted > abortedBefore ? true : undefined), 5000, 20);
    expect(server.stub.aborted).toBe(abortedBefore + 1);
  });

  it("carries OpenAI's Agents SDK tool loop over its WebSocket transport", async () => {
    setTracingDisabled(true);
    // Node 20 has no global WebSocket (22 has): the SDK takes ws's, which follows the same API.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    const runner = new Runner({
      modelProvider: new OpenAIProvider({ baseURL: `${server.url}/v1`, apiKey: 'test-key', useResponses: true, useResponsesWebSocket: true }),
    });
    const weather = tool({
      name: 'weather',
      description: 'Weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => `sunny in ${city}`,
    });
    const agent = new Agent({ name: 'Forecaster', model: 'stub-model', tools: [weather] });
    const result = await runner.run(agent, 'CALL weather {"city":"Rome"}');
    expect(result.finalOutput).toBe('The tool said: sunny in Rome');
  });
});

describe('WebSocket mode at shutdown', () => {
  it('lets a running response end, then closes its connections as going away', async () => {
    const server = await startTestServer();
    const ws = await connect(server.url);
    const closed = new Promise<number>((resolve) => ws.socket.once('close', resolve));
    ws.send({ type: 'response.create', model: 'stub-model', input: 'TOKENS 10 30' });
    const turn = ws.turn();
    await new Promise((resolve) => ws.socket.once('message', resolve));
    await server.close();
    expect((await turn).at(-1)).toMatchObject({ type: 'response.completed' });
    expect(await closed).toBe(1001);
  });
});

describe('WebSocket mode with API keys', () => {
  it('refuses an upgrade without a valid key with 401, and serves the tenant of a valid one', async () => {
    const server = await startTestServer({ API_KEYS: 'key-a=alpha' });
    try {
      const refused = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/responses`, { headers: { Authorization: 'Bearer wrong' } });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('error', () => undefined);
      });
      expect(refused).toBe(401);
      const ws = await connect(server.url, { Authorization: 'Bearer key-a' });
      ws.send({ type: 'response.create', model: 'stub-model', input: 'Hi' });
      const id = (await ws.turn()).at(-1)!.response!.id;
      const alpha = await fetch(`${server.url}/v1/responses/${id}`, { headers: { Authorization: 'Bearer key-a' } });
      expect(alpha.status).toBe(200);
      ws.socket.close();
    } finally {
      await server.close();
    }
  });
});

describe('WebSocket mode with a connection whose chain outgrows MAX_CONTEXT_BYTES', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ MAX_CONTEXT_BYTES: String(1024 * 1024) })));
  afterAll(() => server.close());

  /** A connection that went through two turns of 300 KB each (and the stub's echo of each): its last response's id. */
  const twoLargeTurns = async () => {
    const ws = await connect(server.url);
    let previous: string | undefined;
    for (const mark of ['turn-1', 'turn-2']) {
      ws.send({ type: 'response.create', model: 'm', input: `${mark} ${'x'.repeat(300 * 1024)}`, store: false, previous_response_id: previous });
      const turn = await ws.turn();
      expect(turn.at(-1)!.type).toBe('response.completed');
      previous = turn.at(-1)!.response!.id;
    }
    return { ws, previous };
  };

  it('answers a 400 context_length_exceeded to the turn that would continue it', async () => {
    const { ws, previous } = await twoLargeTurns();
    ws.send({ type: 'response.create', model: 'm', input: 'Hello', store: false, previous_response_id: previous });
    expect((await ws.turn()).at(-1)).toMatchObject({ type: 'error', status: 400, error: { code: 'context_length_exceeded', param: 'previous_response_id' } });
    ws.socket.close();
  });

  it("gives the model the newest items that fit with truncation 'auto'", async () => {
    const { ws, previous } = await twoLargeTurns();
    ws.send({ type: 'response.create', model: 'm', input: 'Hello', store: false, previous_response_id: previous, truncation: 'auto' });
    expect((await ws.turn()).at(-1)!.type).toBe('response.completed');
    // The user messages the backend was sent, by their marks: the oldest one is left out.
    const marks = (server.stub.requests.at(-1)!.messages as Array<{ role: string; content: unknown }>)
      .filter((message) => message.role === 'user')
      .map((message) => /turn-\d|Hello/.exec(JSON.stringify(message.content))?.[0]);
    expect(marks).toEqual(['turn-2', 'Hello']);
    ws.socket.close();
  });
});
