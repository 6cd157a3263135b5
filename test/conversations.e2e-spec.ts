import OpenAI from 'openai';
import { Client } from 'pg';

import { type StreamEvent, waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const WEATHER = { type: 'function' as const, name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
type Item = { id?: string; type?: string; role?: string; content?: unknown; call_id?: string; output?: unknown };

describe('Conversations', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = server.client;
  });
  afterAll(() => server.close());

  /** Every item of a conversation, oldest first, through the SDK's auto-pagination. */
  const itemsOf = async (id: string): Promise<Item[]> => {
    const items: Item[] = [];
    for await (const item of client.conversations.items.list(id, { order: 'asc', limit: 2 })) items.push(item as Item);
    return items;
  };
  const textOf = (item: Item) => (item.content as Array<{ text: string }>)[0].text;

  it('creates, retrieves, updates and deletes a conversation, as the SDK expects', async () => {
    const created = await client.conversations.create({ items: [{ role: 'user', content: 'Hello!' }], metadata: { topic: 'greetings' } });
    expect(created).toEqual({ id: expect.stringMatching(/^conv_/), object: 'conversation', created_at: expect.any(Number), metadata: { topic: 'greetings' } });
    expect(await client.conversations.retrieve(created.id)).toEqual(created);
    expect(await client.conversations.update(created.id, { metadata: { topic: 'weather' } })).toEqual({ ...created, metadata: { topic: 'weather' } });
    await expect(client.conversations.update(created.id, {} as never)).rejects.toMatchObject({
      status: 400,
      code: 'missing_required_parameter',
      param: 'metadata',
    });

    expect(await client.conversations.delete(created.id)).toEqual({ id: created.id, object: 'conversation.deleted', deleted: true });
    await expect(client.conversations.retrieve(created.id)).rejects.toMatchObject({ status: 404, code: 'conversation_not_found' });
    await expect(client.conversations.items.list(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('adds, lists (newest first by default, paginated), retrieves and deletes items', async () => {
    const { id } = await client.conversations.create({});
    const added = await client.conversations.items.create(id, { items: ['one', 'two', 'three'].map((text) => ({ role: 'user' as const, content: text })) });
    expect(added).toMatchObject({ object: 'list', has_more: false, data: [{ type: 'message', role: 'user', id: expect.stringMatching(/^msg_/) }, {}, {}] });
    expect(added.first_id).toBe(added.data[0].id);
    expect(added.last_id).toBe(added.data[2].id);

    const newestFirst = await client.conversations.items.list(id, { limit: 2 });
    expect(newestFirst.data.map((item) => textOf(item as Item))).toEqual(['three', 'two']);
    expect(newestFirst.has_more).toBe(true);
    expect((await itemsOf(id)).map(textOf)).toEqual(['one', 'two', 'three']);

    const two = added.data[1].id!;
    expect(await client.conversations.items.retrieve(two, { conversation_id: id })).toEqual(added.data[1]);
    expect(await client.conversations.items.delete(two, { conversation_id: id })).toMatchObject({ id, object: 'conversation' });
    expect((await itemsOf(id)).map(textOf)).toEqual(['one', 'three']);
    await expect(client.conversations.items.retrieve(two, { conversation_id: id })).rejects.toMatchObject({ status: 404, code: 'item_not_found' });
  });

  it('refuses bad items with the field at fault', async () => {
    const { id } = await client.conversations.create({});
    const tooMany = Array.from({ length: 21 }, () => ({ role: 'user' as const, content: 'x' }));
    await expect(client.conversations.items.create(id, { items: tooMany })).rejects.toMatchObject({ status: 400, param: 'items' });
    await expect(client.conversations.create({ items: [{ role: 'robot', content: 'x' }] as never })).rejects.toMatchObject({
      status: 400,
      param: 'items[0].role',
    });
    await expect(client.conversations.items.create(id, { items: [{ type: 'item_reference', id: 'msg_1' }] })).rejects.toMatchObject({
      status: 400,
      param: 'items[0].type',
    });
  });

  it('gives a response the conversation before its input, and adds its input and output once it completes', async () => {
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'My name is Ada.' }] });
    const first = await client.responses.create({ model: 'stub-model', conversation: id, input: 'What is my name?' });
    expect(first.conversation).toEqual({ id });
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
    expect((await client.responses.retrieve(first.id)).conversation).toEqual({ id });

    // Streamed, and with the conversation given as an object.
    const stream = await client.responses.create({ model: 'stub-model', conversation: { id }, input: 'Again', stream: true });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(server.stub.requests.at(-1)!.messages).toHaveLength(4);

    const items = await itemsOf(id);
    expect(items.map((item) => [item.role, textOf(item)])).toEqual([
      ['user', 'My name is Ada.'],
      ['user', 'What is my name?'],
      ['assistant', 'Hello! You said: What is my name?'],
      ['user', 'Again'],
      ['assistant', 'Hello! You said: Again'],
    ]);
    expect(items[2]).toEqual(first.output[0]);
  });

  it('keeps each turn whole when many responses add theirs to one conversation at once', async () => {
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'Count with me.' }] });
    const numbers = Array.from({ length: 12 }, (_, i) => `number ${i}`);
    // Streamed ones end through the event log's commit, the others through the insert: both paths at once.
    await Promise.all(
      numbers.map(async (text, i) => {
        if (i % 2 === 0) return client.responses.create({ model: 'stub-model', conversation: id, input: text });
        for await (const event of await client.responses.create({ model: 'stub-model', conversation: id, input: text, stream: true })) void event;
      }),
    );
    const items = await itemsOf(id);
    expect(items).toHaveLength(1 + 2 * numbers.length);
    const texts = items.slice(1).map(textOf);
    for (let i = 0; i < texts.length; i += 2) expect(texts[i + 1]).toBe(`Hello! You said: ${texts[i]}`);
    expect(texts.filter((_, i) => i % 2 === 0).sort()).toEqual([...numbers].sort());
  });

  it('stores a response whose conversation is deleted while it ends', async () => {
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'Hi' }] });
    // Another client deletes the conversation in a transaction still open when the response ends.
    const other = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('DELETE FROM conversations WHERE id = $1', [id]);
      const creating = client.responses.create({ model: 'stub-model', conversation: id, input: 'Still there?' });
      // The response's final write waits for that transaction's lock.
      await waitFor(async () => {
        const { rows } = await other.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return rows.length > 0 ? true : undefined;
      });
      await other.query('COMMIT');
      const response = await creating;
      expect(response.status).toBe('completed');
      expect((await client.responses.retrieve(response.id)).output_text).toBe('Hello! You said: Still there?');
      await expect(client.conversations.retrieve(id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await other.end();
    }
  });

  it('adds nothing for a response that fails', async () => {
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'Hi' }] });
    const failed = await client.responses.create({ model: 'stub-model', conversation: id, input: 'HTTP 500' });
    expect(failed.status).toBe('failed');
    expect(await itemsOf(id)).toHaveLength(1);
  });

  it('runs a background response on the conversation and adds its turn when the job completes', async () => {
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'Remember: blue.' }] });
    const queued = await client.responses.create({ model: 'stub-model', conversation: id, input: 'Which color?', background: true });
    expect(queued).toMatchObject({ status: 'queued', conversation: { id } });
    const done = await waitFor(async () => {
      const now = await client.responses.retrieve(queued.id);
      return now.status === 'completed' ? now : undefined;
    });
    expect(done.output_text).toBe('Hello! You said: Which color?');
    expect(server.stub.requests.at(-1)!.messages).toHaveLength(2);
    expect((await itemsOf(id)).map(textOf)).toEqual(['Remember: blue.', 'Which color?', 'Hello! You said: Which color?']);
  });

  it('carries function calls and their outputs through the conversation, both ways of answering them', async () => {
    const { id } = await client.conversations.create({});
    const calling = await client.responses.create({ model: 'm', conversation: id, tools: [WEATHER], input: 'CALL weather {"city":"Paris"}' });
    const call = calling.output[0] as { call_id: string };
    // The call is in the conversation: an output for it is accepted there, as with previous_response_id.
    const answered = await client.responses.create({
      model: 'm',
      conversation: id,
      tools: [WEATHER],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny' }],
    });
    expect(answered.output_text).toBe('The tool said: Sunny');

    const waiting = await client.responses.create({ model: 'm', conversation: id, tools: [WEATHER], input: 'CALL weather {"city":"Oslo"}' });
    const second = waiting.output[0] as { call_id: string };
    const resumed = await client.post<OpenAI.Responses.Response>(`/responses/${waiting.id}/submit_tool_outputs`, {
      body: { tool_call_id: second.call_id, output: 'Snowy' },
    });
    expect(textOf(resumed.output.at(-1) as Item)).toBe('The tool said: Snowy');

    expect((await itemsOf(id)).map((item) => item.type)).toEqual([
      'message',
      'function_call',
      'function_call_output',
      'message',
      'message',
      'function_call',
      'function_call_output',
      'message',
    ]);
    await expect(
      client.responses.create({ model: 'm', conversation: id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_tool_call_id' });
  });

  it('refuses a conversation with previous_response_id, with store: false, or that does not exist', async () => {
    const { id } = await client.conversations.create({});
    const earlier = await client.responses.create({ model: 'stub-model', input: 'x' });
    await expect(client.responses.create({ model: 'stub-model', conversation: id, previous_response_id: earlier.id, input: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 'mutually_exclusive_parameters',
    });
    await expect(client.responses.create({ model: 'stub-model', conversation: id, store: false, input: 'x' })).rejects.toMatchObject({
      status: 400,
      param: 'store',
    });
    await expect(client.responses.create({ model: 'stub-model', conversation: 'conv_missing', input: 'x' })).rejects.toMatchObject({
      status: 404,
      param: 'conversation',
      code: 'conversation_not_found',
    });
    expect(await itemsOf(id)).toEqual([]);
  });
});

describe('Conversations across tenants', () => {
  it("never shows one tenant another tenant's conversation", async () => {
    const server = await startTestServer({ API_KEYS: 'key-a=alpha,key-b=beta' });
    try {
      const alpha = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
      const beta = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
      const { id } = await alpha.conversations.create({ items: [{ role: 'user', content: 'secret' }] });
      await expect(beta.conversations.retrieve(id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.conversations.items.list(id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.conversations.items.create(id, { items: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
      await expect(beta.conversations.delete(id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.responses.create({ model: 'm', conversation: id, input: 'x' })).rejects.toMatchObject({ status: 404 });
      expect((await alpha.conversations.items.list(id)).data).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
