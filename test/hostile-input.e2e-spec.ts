import OpenAI from 'openai';
import { Client } from 'pg';
import WebSocket from 'ws';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { streamStored, waitFor } from './support/sse';
import { tokensReply } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

/** `{"k0":"v","k1":"v",…}` with `n` keys, written directly (JSON.stringify of a million-key object is itself slow). */
function manyKeys(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":"v"`);
  return `{${parts.join(',')}}`;
}

/** `n` arrays nested in each other around `inner`. */
const deep = (n: number, inner = '1') => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;

describe('Hostile input: bounded, linear, refused before the model runs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const expect400 = async (res: Response, param: string | null, code: string) => {
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code } });
  };

  it('refuses a million metadata keys (14 MB) without holding up anyone else', async () => {
    const body = `{"model":"m","input":"x","metadata":${manyKeys(1_050_000)}}`;
    expect(body.length).toBeGreaterThan(14_000_000);
    const big = post('/v1/responses', body);
    // Another client's request, sent while the big one is being read and checked, is answered too.
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    await expect400(await big, 'metadata', 'too_many_keys');
  });

  it.each([
    ['the top level', () => `{"model":"m","input":"x",${manyKeys(200_000).slice(1)}`, '/v1/responses', null],
    [
      'a tool schema',
      () => `{"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":${manyKeys(200_000)}}}]}`,
      '/v1/responses',
      'tools[0].parameters.properties',
    ],
    ['conversation metadata', () => `{"metadata":${manyKeys(200_000)}}`, '/v1/conversations', 'metadata'],
    [
      'a tool output',
      () => `{"tool_outputs":[{"tool_call_id":"call_1","output":${manyKeys(200_000)}}]}`,
      '/v1/responses/resp_missing/submit_tool_outputs',
      'tool_outputs[0].output',
    ],
  ])('refuses 200,000 keys in %s at once', async (_where, body, path, param) => {
    await expect400(await post(path, body()), param, 'too_many_keys');
  });

  it.each([
    ['input', `{"model":"m","input":[{"role":"user","content":${deep(10_000, '"x"')}}]}`, 'input[0].content'],
    ['metadata', `{"model":"m","input":"x","metadata":{"a":${deep(10_000)}}}`, 'metadata.a'],
    ['tool parameters', `{"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":${deep(10_000)}}]}`, 'tools[0].parameters'],
  ])('refuses 10,000-deep nesting in %s with a 400', async (_where, body, paramPrefix) => {
    const res = await post('/v1/responses', body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string } };
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'nesting_too_deep' });
    expect(error.param.startsWith(paramPrefix)).toBe(true);
  });

  it.each([
    ['input', { input: 'a\u0000b' }, 'input'],
    ['an input message', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'a\u0000b' }] }] }, 'input[0].content[0].text'],
    ['instructions', { input: 'x', instructions: 'be \u0000 nice' }, 'instructions'],
    ['metadata', { input: 'x', metadata: { k: 'v\u0000' } }, 'metadata.k'],
    ['a metadata key', { input: 'x', metadata: { 'k\u0000': 'v' } }, 'metadata'],
    ['a tool description', { input: 'x', tools: [{ type: 'function', name: 'f', description: 'd\u0000' }] }, 'tools[0].description'],
    [
      'a tool schema',
      { input: 'x', tools: [{ type: 'function', name: 'f', parameters: { type: 'object', description: '\u0000' } }] },
      'tools[0].parameters.description',
    ],
    ['user', { input: 'x', user: 'u\u0000' }, 'user'],
    ['an item id', { input: [{ type: 'message', id: 'msg_\u0000', role: 'user', content: 'x' }] }, 'input[0].id'],
    ['a lone surrogate', { input: 'broken \ud83d pair' }, 'input'],
  ])('refuses a NUL or a lone surrogate in %s with a 400 naming it, before any model call', async (_where, fields, param) => {
    const calls = server.stub.requests.length;
    await expect400(await post('/v1/responses', JSON.stringify({ model: 'm', ...fields })), param, 'invalid_value');
    expect(server.stub.requests.length).toBe(calls);
  });

  it('refuses NUL bytes in conversation items, tool outputs, path parameters and cursors with a 400', async () => {
    await expect400(
      await post('/v1/conversations', JSON.stringify({ items: [{ type: 'message', role: 'user', content: 'a\u0000' }] })),
      'items[0].content',
      'invalid_value',
    );
    await expect400(
      await post('/v1/responses/resp_x/submit_tool_outputs', JSON.stringify({ tool_call_id: 'c', output: 'a\u0000' })),
      'output',
      'invalid_value',
    );
    await expect400(await fetch(`${server.url}/v1/responses/%00`), 'id', 'invalid_value');
    await expect400(await fetch(`${server.url}/v1/responses/resp_%00/input_items`), 'id', 'invalid_value');
    await expect400(await fetch(`${server.url}/v1/conversations/%00`), 'id', 'invalid_value');
    const { id } = await server.client.responses.create({ model: 'm', input: 'hi' });
    await expect400(await fetch(`${server.url}/v1/responses/${id}/input_items?after=%00`), 'after', 'invalid_value');
  });

  it('refuses many keys, deep nesting and NUL bytes in WebSocket frames with an error message, and the connection goes on', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/responses`);
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    const frames = [
      `{"type":"response.create","model":"m","input":"x","metadata":${manyKeys(200_000)}}`,
      `{"type":"response.create","model":"m","input":${deep(10_000, '"x"')}}`,
      JSON.stringify({ type: 'response.create', model: 'm', input: 'a\u0000b' }),
    ];
    for (const frame of frames) socket.send(frame);
    socket.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'still here' }));
    await waitFor(async () => (messages.some((m) => m.type === 'response.completed') ? true : undefined), 10_000, 20);
    socket.close();
    expect(messages.filter((m) => m.type === 'error').map((m) => [m.status, m.error.code, m.error.param])).toEqual([
      [400, 'too_many_keys', 'metadata'],
      [400, 'nesting_too_deep', expect.stringMatching(/^input/)],
      [400, 'invalid_value', 'input'],
    ]);
    expect(messages.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
  });
});

describe('What the model produces is streamed and stored the same way, whatever its characters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const tools = [{ type: 'function' as const, name: 'f', parameters: { type: 'object', properties: {} }, strict: false }];

  it('keeps a streamed answer with a NUL and a surrogate pair split across chunks, and replays it identically', async () => {
    const stream = await server.client.responses.create({ model: 'm', input: 'UNICODE', tools, stream: true });
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    const completed = events.at(-1);
    expect(completed.type).toBe('response.completed');
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(text).toBe('a\ufffdb \u{1f600} ok');
    const stored = await server.client.responses.retrieve(completed.response.id);
    expect(stored.status).toBe('completed');
    expect(stored.output_text).toBe(text);
    expect(stored.output.find((item) => item.type === 'function_call')).toMatchObject({ arguments: '{"e":"\u{1f600}abcd"}' });
    // The log replays the very events the client saw.
    expect(await streamStored(server.url, stored.id)).toEqual(events);
  });

  it('keeps a non-streamed answer with a NUL', async () => {
    const response = await server.client.responses.create({ model: 'm', input: 'UNICODE', tools });
    expect(response.output_text).toBe('a\ufffdb \u{1f600} ok');
    expect((await server.client.responses.retrieve(response.id)).output_text).toBe(response.output_text);
  });
});

describe('A model backend that sends without end', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('fails only that response, streamed or not, reads no further than the bounds, and others are answered meanwhile', async () => {
    const sentBefore = server.stub.endlessBytes;
    const stream = await server.client.responses.create({ model: 'm', input: 'ENDLESS', stream: true });
    const streamed = (async () => {
      const types: string[] = [];
      let last: any;
      for await (const event of stream) {
        types.push(event.type);
        last = event;
      }
      return { types, last };
    })();
    const whole = server.client.responses.create({ model: 'm', input: 'ENDLESS' });
    const others = await Promise.all([1, 2, 3].map((n) => server.client.responses.create({ model: 'm', input: `Other ${n}` })));
    expect(others.map((response) => response.output_text)).toEqual([1, 2, 3].map((n) => `Hello! You said: Other ${n}`));

    const { types, last } = await streamed;
    expect(types.at(-1)).toBe('response.failed');
    expect(last.response.error).toEqual({ code: 'server_error', message: 'The model backend sent an event larger than 16777216 characters.' });
    const failed = await whole;
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'server_error', message: 'The model backend sent an answer larger than 67108864 characters.' });
    for (const id of [last.response.id, failed.id]) expect((await server.client.responses.retrieve(id)).status).toBe('failed');
    // Read: 16 MB of the one, 64 MB of the other, and what the sockets' buffers held; the stub would have sent 512 MB.
    expect(server.stub.endlessBytes - sentBefore).toBeLessThan(128 * 1024 * 1024);
  });
});

describe('A model backend that generates without end', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MAX_OUTPUT_CHARS: '4096' });
  });
  afterAll(() => server.close());

  it('is stopped at MAX_OUTPUT_CHARS: the response ends incomplete, as at its token limit, and is stored so', async () => {
    const abortedBefore = server.stub.aborted;
    const stream = await server.client.responses.create({ model: 'm', input: 'TOKENS 5000 1', stream: true });
    let text = '';
    let last: any;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      last = event;
    }
    expect(last.type).toBe('response.incomplete');
    expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(text.length).toBeGreaterThan(4096);
    expect(text.length).toBeLessThan(4096 + 16);
    expect(await server.client.responses.retrieve(last.response.id)).toMatchObject({ status: 'incomplete', output_text: text });
    await waitFor(async () => (server.stub.aborted > abortedBefore ? true : undefined));
  });
});

describe('A history larger than MAX_CONTEXT_BYTES', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MAX_CONTEXT_BYTES: String(1024 * 1024) });
  });
  afterAll(() => server.close());

  /** A user message of `kb` KB, marked so that the backend's request tells which were sent. */
  const large = (mark: string, kb = 400) => ({ type: 'message' as const, role: 'user' as const, content: `${mark} ${'x'.repeat(kb * 1024)}` });
  /** The marks of the user messages the backend was last sent. */
  const marksSent = () =>
    (server.stub.requests.at(-1)!.messages as Array<{ role: string; content: unknown }>)
      .filter((message) => message.role === 'user')
      .flatMap((message) => /item-\d/.exec(JSON.stringify(message.content))?.[0] ?? []);

  it("is a 400 context_length_exceeded for a conversation, and with truncation 'auto' the model gets its newest items that fit", async () => {
    const conversation = await server.client.conversations.create({ items: [large('item-1'), large('item-2'), large('item-3')] });
    await expect(server.client.responses.create({ model: 'm', input: 'Hello', conversation: conversation.id })).rejects.toMatchObject({
      status: 400,
      error: { code: 'context_length_exceeded', param: 'conversation' },
    });
    const truncated = await server.client.responses.create({ model: 'm', input: 'Hello', conversation: conversation.id, truncation: 'auto' });
    expect(truncated.status).toBe('completed');
    expect(marksSent()).toEqual(['item-2', 'item-3']);
  });

  it('is a 400 for an input whose item references name more than MAX_CONTEXT_BYTES, however small its body', async () => {
    const large = await server.client.responses.create({ model: 'm', input: `BYTES 1 ${400 * 1024}` });
    const reference = { type: 'item_reference' as const, id: large.output[0].id! };
    const twice = await server.client.responses.create({ model: 'm', input: [reference, reference, { role: 'user', content: 'Hello' }] });
    expect(twice.status).toBe('completed');
    await expect(
      server.client.responses.create({ model: 'm', input: [...Array.from({ length: 3000 }, () => reference), { role: 'user', content: 'Hello' }] }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'context_length_exceeded', param: 'input[2]' } });
  });

  it('lists a conversation of large items in pages that hold at most MAX_CONTEXT_BYTES, every item once', async () => {
    const conversation = await server.client.conversations.create({ items: [large('item-1'), large('item-2'), large('item-3')] });
    const first = await server.client.conversations.items.list(conversation.id, { limit: 10, order: 'asc' });
    expect(first.data.map((item) => JSON.stringify(item).match(/item-\d/)?.[0])).toEqual(['item-1', 'item-2']);
    expect(first.has_more).toBe(true);
    const second = await server.client.conversations.items.list(conversation.id, { limit: 10, order: 'asc', after: first.data.at(-1)!.id });
    expect(second.data.map((item) => JSON.stringify(item).match(/item-\d/)?.[0])).toEqual(['item-3']);
    expect(second.has_more).toBe(false);
  });

  it("is a 400 for a chain of previous responses, background ones too, and with truncation 'auto' the oldest responses are left out", async () => {
    // Each response holds its input and the stub's echo of it: 400 KB.
    let previous: string | undefined;
    for (const mark of ['item-1', 'item-2', 'item-3']) {
      previous = (await server.client.responses.create({ model: 'm', input: [large(mark, 200)], previous_response_id: previous })).id;
    }
    for (const background of [false, true]) {
      await expect(server.client.responses.create({ model: 'm', input: 'Hello', previous_response_id: previous, background })).rejects.toMatchObject({
        status: 400,
        error: { code: 'context_length_exceeded', param: 'previous_response_id' },
      });
    }
    const truncated = await server.client.responses.create({ model: 'm', input: 'Hello', previous_response_id: previous, truncation: 'auto' });
    expect(truncated.status).toBe('completed');
    expect(marksSent()).toEqual(['item-2', 'item-3']);
  });
});

describe("One tenant's turns of long histories", () => {
  let db: FreshDatabase;
  let server: TestServer;
  beforeAll(async () => {
    // A database of its own: the test locks a table of it (and no retention purge reads it meanwhile). A pool of 4 runs
    // at most 2 such reads, 1 a tenant.
    db = await createFreshDatabase();
    server = await startTestServer({ API_KEYS: 'key-a=tenant-a,key-b=tenant-b', DATABASE_POOL_SIZE: '4', RETENTION_DAYS: '0' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  /**
   * Locks `table` until `release`: reading it then waits for as long as the test wants, as a history of
   * MAX_CONTEXT_BYTES read by a busy process holds its connection. `waitingForTheLock` counts the backends waiting.
   */
  const lockTable = async (table: string) => {
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const waitingForTheLock = async () =>
      (await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0]
        .n as number;
    const release = async () => {
      await locker.query('COMMIT');
      await locker.end();
    };
    return { waitingForTheLock, release };
  };

  it('leave the database pool to other tenants while they wait, and are all answered', async () => {
    const [a, b] = ['key-a', 'key-b'].map((apiKey) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 }));
    const conversation = await a.conversations.create({ items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }] });
    const { waitingForTheLock, release } = await lockTable('conversation_items');
    const turns = Array.from({ length: 6 }, (_, index) => a.responses.create({ model: 'm', input: `Turn ${index}`, conversation: conversation.id }));
    try {
      await waitFor(async () => ((await waitingForTheLock()) > 0 ? true : undefined));
      // Another tenant's request needs a connection: it gets one at once, where those turns held the whole pool.
      const other = await b.responses.create({ model: 'm', input: 'Hello' });
      expect(other.status).toBe('completed');
      expect(await waitingForTheLock()).toBe(1);
    } finally {
      await release();
    }
    const answered = await Promise.all(turns);
    expect(answered.map((turn) => turn.status)).toEqual(Array(6).fill('completed'));
    const items = await a.conversations.items.list(conversation.id, { limit: 100, order: 'asc' });
    expect(items.data).toHaveLength(1 + 6 * 2);
  });

  it("leave it too while they read pages of a response's input items, which may hold a whole request's", async () => {
    const [a, b] = ['key-a', 'key-b'].map((apiKey) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 }));
    const [asked, answered] = await Promise.all([a, b].map((client) => client.responses.create({ model: 'm', input: 'Hello' })));
    const { waitingForTheLock, release } = await lockTable('response_input_items');
    const pages = Array.from({ length: 6 }, () => a.responses.inputItems.list(asked.id));
    try {
      await waitFor(async () => ((await waitingForTheLock()) > 0 ? true : undefined));
      expect((await b.responses.retrieve(answered.id)).status).toBe('completed');
      expect(await waitingForTheLock()).toBe(1);
    } finally {
      await release();
    }
    for (const page of await Promise.all(pages)) expect(page.data).toMatchObject([{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }]);
  });
});

describe('A response deleted while it streams harms no other stream', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const tools = [{ type: 'function' as const, name: 'f', parameters: { type: 'object', properties: {} }, strict: false }];

  /** A stored stream (30 tokens, 20 ms apart, unless `input` says otherwise): its events; `onCreated` hears its id. */
  const streamed = async (onCreated: (id: string) => void = () => undefined, input = 'TOKENS 30 20') => {
    const stream = await server.client.responses.create({ model: 'm', input, tools, stream: true });
    const events: any[] = [];
    for await (const event of stream) {
      if (event.type === 'response.created') onCreated(event.response.id);
      events.push(event);
    }
    return events;
  };

  it('streams, stores and replays the others to their end, and ends the deleted one for its client', async () => {
    let deletion: Promise<unknown> | undefined;
    // Deleted mid-stream by its owner: its next events would share a write with every other stream's.
    const deleted = streamed((id) => {
      deletion = new Promise((resolve) => setTimeout(resolve, 200)).then(() => server.client.responses.delete(id));
    });
    const others = await Promise.all([streamed(), streamed(), streamed(), streamed()]);
    await expect(deletion).resolves.toMatchObject({ deleted: true });
    for (const events of others) {
      const completed = events.at(-1);
      expect(completed).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
      expect(events.some((event) => event.type === 'error')).toBe(false);
      const stored = await server.client.responses.retrieve(completed.response.id);
      expect(stored).toMatchObject({ status: 'completed', output_text: tokensReply(30) });
      expect(await streamStored(server.url, stored.id)).toEqual(events);
    }
    // Its client hears the end of what it was streamed; the response stays deleted.
    const own = await deleted;
    expect(own.at(-1)).toMatchObject({ type: 'response.completed' });
    expect(own.some((event) => event.type === 'error')).toBe(false);
    await expect(server.client.responses.retrieve(own[0].response.id)).rejects.toMatchObject({ status: 404 });
  });

  it('ends the stream of a deleted response that called a tool', async () => {
    let deletion: Promise<unknown> | undefined;
    const events = await streamed((id) => {
      deletion = server.client.responses.delete(id);
    }, 'TOKENS 10 30 CALL f');
    await expect(deletion).resolves.toMatchObject({ deleted: true });
    expect(events.at(-1)).toMatchObject({
      type: 'response.completed',
      response: { output: [{ type: 'message' }, { type: 'function_call', name: 'f' }] },
    });
    expect(events.some((event) => event.type === 'error')).toBe(false);
  });
});
