import { Agent, get } from 'node:http';

import OpenAI from 'openai';

import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

describe('Responses API with the official SDK', () => {
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startTestServer();
    client = server.client;
  });
  afterAll(() => server.close());

  it('creates a response with every field of the Response object', async () => {
    const response = await client.responses.create({ model: 'stub-model', input: 'Say hi', instructions: 'Be brief.', metadata: { topic: 'greeting' } });
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello! You said: Say hi');
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(response.usage).toEqual({
      input_tokens: 4,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 9,
    });
    expect(response).toMatchObject({
      instructions: 'Be brief.',
      metadata: { topic: 'greeting' },
      temperature: 1,
      top_p: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      store: true,
      background: false,
      error: null,
      incomplete_details: null,
      previous_response_id: null,
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      truncation: 'disabled',
      text: { format: { type: 'text' }, verbosity: 'medium' },
      reasoning: { effort: null, summary: null },
    });
    for (const key of ['max_output_tokens', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier', 'completed_at', 'created_at']) {
      expect(response).toHaveProperty(key);
    }
    expect(response.completed_at).toBeGreaterThanOrEqual(response.created_at);
    // What the upstream received: instructions as the system message, then the user's input.
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Say hi' }] },
    ]);
  });

  it('answers 200 (not 201) and is readable at once', async () => {
    const res = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'stub-model', input: 'ping' }),
    });
    expect(res.status).toBe(200);
    const created = (await res.json()) as { id: string };
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.output_text).toBe('Hello! You said: ping');
  });

  it('keeps an idle connection open longer than a load balancer would (65 s), and says so', async () => {
    const agent = new Agent({ keepAlive: true });
    const keepAlive = await new Promise<string | undefined>((resolve, reject) =>
      get(`${server.url}/health`, { agent }, (res) => {
        res.resume();
        resolve(res.headers['keep-alive'] as string | undefined);
      }).on('error', reject),
    );
    agent.destroy();
    expect(keepAlive).toBe('timeout=65');
  });

  it('stops the upstream call when the client of a non-streamed create leaves before the answer', async () => {
    const abortedBefore = server.stub.aborted;
    const requestsBefore = server.stub.requests.length;
    const controller = new AbortController();
    const create = client.responses.create({ model: 'stub-model', input: 'TOKENS 400 20' }, { signal: controller.signal });
    await waitFor(async () => (server.stub.requests.length > requestsBefore ? true : undefined));
    controller.abort();
    await expect(create).rejects.toThrow();
    await waitFor(async () => (server.stub.aborted > abortedBefore ? true : undefined), 5000, 20);
    expect(server.stub.aborted).toBe(abortedBefore + 1);
  });

  it('chains responses with previous_response_id, without the earlier instructions', async () => {
    const first = await client.responses.create({ model: 'stub-model', input: 'My name is Ada.', instructions: 'Speak like a pirate.' });
    const second = await client.responses.create({ model: 'stub-model', input: 'What is my name?', previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: 'Hello! You said: My name is Ada.' },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
    const third = await client.responses.create({ model: 'stub-model', input: 'And again?', previous_response_id: second.id });
    expect(server.stub.requests.at(-1)!.messages).toHaveLength(5);
    expect(third.status).toBe('completed');
  });

  it('takes an earlier answer by its item id (item_reference), and keeps its own copy of it', async () => {
    const first = await client.responses.create({ model: 'stub-model', input: 'My name is Ada.' });
    const answer = first.output[0];
    const second = await client.responses.create({
      model: 'stub-model',
      input: [
        { role: 'user', content: 'My name is Ada.' },
        { type: 'item_reference', id: answer.id! },
        { role: 'user', content: 'What is my name?' },
      ],
    });
    expect(second.status).toBe('completed');
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: 'Hello! You said: My name is Ada.' },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
    await client.responses.delete(first.id);
    const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
    expect(items.data[1]).toEqual(answer);

    // `type` may be left out; an id that names no item of this tenant is the client's error.
    await client.responses.create({ model: 'stub-model', input: [{ id: second.output[0].id! }] as never });
    expect(server.stub.requests.at(-1)!.messages).toEqual([{ role: 'assistant', content: 'Hello! You said: What is my name?' }]);
    await expect(client.responses.create({ model: 'stub-model', input: [{ type: 'item_reference', id: answer.id! }] })).rejects.toMatchObject({
      status: 400,
      param: 'input[0].id',
      code: 'item_not_found',
      message: expect.stringContaining(`Item with id '${answer.id}' not found.`),
    });
  });

  it('drops the oldest turns for a backend whose context the input overflows, with truncation: auto only', async () => {
    const turns = ['one', 'two', 'three'].flatMap((text) => [
      { role: 'user' as const, content: text },
      { role: 'assistant' as const, content: `answer ${text}` },
    ]);
    const input = [{ role: 'developer' as const, content: 'Be brief.' }, ...turns, { role: 'user' as const, content: 'LIMIT 4 And now?' }];
    await expect(client.responses.create({ model: 'stub-model', input })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('maximum context length'),
    });

    const fitted = await client.responses.create({ model: 'stub-model', input, truncation: 'auto' });
    expect(fitted.output_text).toBe('Hello! You said: And now?');
    expect(server.stub.requests.at(-1)!.messages.map((m: { content: unknown }) => (Array.isArray(m.content) ? m.content[0].text : m.content))).toEqual([
      'Be brief.',
      'three',
      'answer three',
      'LIMIT 4 And now?',
    ]);
    // The response keeps its whole input.
    expect((await client.responses.inputItems.list(fitted.id, { limit: 100 })).data).toHaveLength(8);
  });

  it('compacts a conversation into its user messages and a summary that a later request carries instead', async () => {
    const first = await client.responses.create({ model: 'stub-model', input: 'My name is Ada.' });
    const compacted = await client.responses.compact({
      model: 'stub-model',
      previous_response_id: first.id,
      input: [{ role: 'user', content: 'I like tea.' }],
    });
    expect(compacted).toMatchObject({
      id: expect.stringMatching(/^resp_/),
      object: 'response.compaction',
      created_at: expect.any(Number),
      usage: { output_tokens: expect.any(Number) },
    });
    expect(compacted.output.map((item) => item.type)).toEqual(['message', 'message', 'compaction']);
    for (const message of compacted.output.slice(0, 2))
      expect(message).toMatchObject({ id: expect.stringMatching(/^msg_/), status: 'completed', role: 'user' });
    expect(compacted.output[2]).toEqual({ id: expect.stringMatching(/^cmp_/), type: 'compaction', encrypted_content: expect.any(String) });
    const summarizing = server.stub.requests.at(-1)!.messages;
    expect(summarizing[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You are compacting a conversation') });
    expect(summarizing.at(-1).content[0].text).toBe('Summarize the conversation above, as instructed.');

    const next = await client.responses.create({
      model: 'stub-model',
      input: [...(compacted.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'What do I like?' }],
    });
    expect(next.status).toBe('completed');
    const given = server.stub.requests.at(-1)!.messages;
    expect(given.map((m: { role: string }) => m.role)).toEqual(['user', 'user', 'system', 'user']);
    expect(given[2].content).toContain('Hello! You said: Summarize the conversation above, as instructed.');

    const altered = { ...compacted.output[2], encrypted_content: Buffer.from('something else').toString('base64') };
    await expect(client.responses.create({ model: 'stub-model', input: [altered as OpenAI.Responses.ResponseInputItem] })).rejects.toMatchObject({
      status: 400,
      param: 'input[0].encrypted_content',
    });
    await expect(client.responses.compact({ model: 'stub-model' })).rejects.toMatchObject({ status: 400, param: 'input' });
  });

  it('translates every input role and content type', async () => {
    const created = await client.responses.create({
      model: 'stub-model',
      input: [
        { role: 'developer', content: 'Dev rules.' },
        { role: 'system', content: [{ type: 'input_text', text: 'System rules.' }] },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look:' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        {
          type: 'message',
          id: 'msg_earlier',
          status: 'completed',
          role: 'assistant',
          phase: 'final_answer',
          content: [{ type: 'output_text', text: 'A picture.', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'system', content: 'Dev rules.' },
      { role: 'system', content: 'System rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
        ],
      },
      { role: 'assistant', content: 'A picture.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'found' },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
    ]);
    // An assistant message's phase is kept as sent, for clients that resend their history as they got it.
    const items = await client.responses.inputItems.list(created.id, { order: 'asc' });
    expect(items.data.find((item) => item.id === 'msg_earlier')).toMatchObject({ phase: 'final_answer' });
  });

  it('maps text.format and sampling parameters to the upstream request', async () => {
    const response = await client.responses.create({
      model: 'stub-model',
      input: 'Give JSON',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 50,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } } }, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ answer: 'ok' });
    expect(response.text?.format).toMatchObject({ type: 'json_schema', name: 'answer', strict: true });
    expect(server.stub.requests.at(-1)).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object' } } },
    });
    await client.responses.create({ model: 'stub-model', input: 'x', text: { format: { type: 'json_object' } } });
    expect(server.stub.requests.at(-1)!.response_format).toEqual({ type: 'json_object' });
  });

  it('lists input items with cursor pagination', async () => {
    const response = await client.responses.create({
      model: 'stub-model',
      input: [
        { role: 'user', content: 'one' },
        { role: 'user', content: 'two' },
        { role: 'user', content: 'three' },
      ],
    });
    const all = await client.responses.inputItems.list(response.id, { order: 'asc' });
    expect(all.data.map((item) => (item as { content: Array<{ text: string }> }).content[0].text)).toEqual(['one', 'two', 'three']);
    expect(all.data.every((item) => item.id?.startsWith('msg_'))).toBe(true);
    const firstPage = await client.responses.inputItems.list(response.id, { order: 'asc', limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.has_more).toBe(true);
    const next = await client.responses.inputItems.list(response.id, { order: 'asc', limit: 2, after: firstPage.data[1].id });
    expect(next.data.map((item) => item.id)).toEqual([all.data[2].id]);
    expect(next.has_more).toBe(false);
    const desc = await client.responses.inputItems.list(response.id);
    expect(desc.data.map((item) => item.id)).toEqual(all.data.map((item) => item.id).reverse());
    // `before` is in the API reference though the SDK's types leave it out.
    const before = await client.responses.inputItems.list(response.id, { order: 'asc', before: all.data[2].id } as { order: 'asc' });
    expect(before.data.map((item) => item.id)).toEqual([all.data[0].id, all.data[1].id]);
    // The SDK's auto-pagination walks every page.
    const walked: string[] = [];
    for await (const item of client.responses.inputItems.list(response.id, { order: 'asc', limit: 1 })) walked.push(item.id);
    expect(walked).toEqual(all.data.map((item) => item.id));
  });

  it('takes array query parameters as the SDK sends them (include[]=…)', async () => {
    const created = await client.responses.create({ model: 'stub-model', input: 'Include me' });
    expect((await client.responses.retrieve(created.id, { include: ['message.output_text.logprobs'] })).id).toBe(created.id);
    const items = await client.responses.inputItems.list(created.id, { include: ['message.input_image.image_url'] });
    expect(items.data).toHaveLength(1);
    const conversation = await client.conversations.create({ items: [{ role: 'user', content: 'x' }] });
    expect((await client.conversations.items.list(conversation.id, { include: ['message.output_text.logprobs'] })).data).toHaveLength(1);
  });

  it('deletes a response for good', async () => {
    const response = await client.responses.create({ model: 'stub-model', input: 'forget me' });
    await client.responses.delete(response.id);
    await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.delete(response.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'stub-model', input: 'x', previous_response_id: response.id })).rejects.toMatchObject({
      status: 400,
      code: 'previous_response_not_found',
      param: 'previous_response_id',
    });
  });

  it('keeps nothing when store is false', async () => {
    const response = await client.responses.create({ model: 'stub-model', input: 'ephemeral', store: false });
    expect(response).toMatchObject({ store: false });
    expect(response.output_text).toBe('Hello! You said: ephemeral');
    await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
  });

  it('counts input tokens with the backend', async () => {
    const count = await client.responses.inputTokens.count({ model: 'stub-model', input: 'one two three', instructions: 'four' });
    expect(count).toEqual({ object: 'response.input_tokens', input_tokens: 4 });
  });

  it('reports reasoning, truncation and refusals as OpenAI does', async () => {
    const reasoned = await client.responses.create({ model: 'stub-model', input: 'REASON' });
    expect(reasoned.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(reasoned.usage?.output_tokens_details.reasoning_tokens).toBe(1);
    const cut = await client.responses.create({ model: 'stub-model', input: 'LENGTH', max_output_tokens: 16 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(cut.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
  });
});
