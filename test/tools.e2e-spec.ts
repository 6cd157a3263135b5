import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';

import { startTestServer, type TestServer } from './support/test-server';

const WEATHER = {
  type: 'function' as const,
  name: 'weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
};
type AnyEvent = { type: string; sequence_number: number; [key: string]: any };

async function collect(stream: AsyncIterable<unknown>): Promise<AnyEvent[]> {
  const events: AnyEvent[] = [];
  for await (const event of stream) events.push(event as AnyEvent);
  return events;
}

describe('Function tools', () => {
  let server: TestServer;
  let client: OpenAI;
  const submit = (id: string, body: Record<string, unknown>) => client.post<OpenAI.Responses.Response>(`/responses/${id}/submit_tool_outputs`, { body });

  beforeAll(async () => {
    server = await startTestServer();
    client = server.client;
  });
  afterAll(() => server.close());

  it('returns function_call items and forwards tool settings to the backend', async () => {
    const response = await client.responses.create({
      model: 'm',
      input: 'CALL weather {"city":"Paris"}',
      tools: [WEATHER],
      tool_choice: { type: 'function', name: 'weather' },
      parallel_tool_calls: false,
    });
    expect(response.status).toBe('completed');
    expect(response.output).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        call_id: expect.stringMatching(/^call_/),
        name: 'weather',
        arguments: '{"city":"Paris"}',
      },
    ]);
    expect(response.tools).toEqual([WEATHER]);
    expect(server.stub.requests.at(-1)).toMatchObject({
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: WEATHER.parameters, strict: false } }],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
    });
  });

  it('offers the model only the tools allowed_tools names, with its mode, and echoes the choice', async () => {
    const other = { ...WEATHER, name: 'stocks', description: 'Stock prices' };
    const choice = { type: 'allowed_tools' as const, mode: 'required' as const, tools: [{ type: 'function' as const, name: 'weather' }] };
    const response = await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Lima"}', tools: [WEATHER, other], tool_choice: choice });
    expect(response.tool_choice).toEqual(choice);
    expect(response.tools).toEqual([WEATHER, other]);
    const sent = server.stub.requests.at(-1)!;
    expect(sent.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['weather']);
    expect(sent.tool_choice).toBe('required');
  });

  it('accepts the nested Chat-Completions tool form and echoes it in the Responses form', async () => {
    const nested = { type: 'function', function: { name: 'get_time', description: 'Now', parameters: { type: 'object', properties: {} } } };
    const response = await client.responses.create({ model: 'm', input: 'What time is it?', tools: [nested as never] });
    expect(response.tools).toEqual([{ type: 'function', name: 'get_time', description: 'Now', parameters: { type: 'object', properties: {} }, strict: null }]);
    expect(response.output[0]).toMatchObject({ type: 'function_call', name: 'get_time' });
  });

  it('answers a call the standard way, with previous_response_id and function_call_output', async () => {
    const first = await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Oslo"}', tools: [WEATHER] });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const second = await client.responses.create({
      model: 'm',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny, 21°C' }],
      tools: [WEATHER],
    });
    expect(second.output_text).toBe('The tool said: Sunny, 21°C');
    expect(server.stub.requests.at(-1)!.messages.slice(-2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: call.call_id, content: 'Sunny, 21°C' },
    ]);
  });

  it('streams calls with argument deltas (and no event outside the specification), and continues the standard way while streaming', async () => {
    const events = await collect(await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Rome"}', tools: [WEATHER], stream: true }));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const added = events.find((e) => e.type === 'response.output_item.added')!;
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(done).toMatchObject({ item_id: added.item.id, output_index: 0, name: 'weather', arguments: '{"city":"Rome"}' });

    const next = await collect(
      await client.responses.create({
        model: 'm',
        stream: true,
        previous_response_id: events[0].response.id,
        input: [{ type: 'function_call_output', call_id: added.item.call_id, output: 'Rainy' }],
      }),
    );
    expect(next.at(-1)!.response.output[0].content[0].text).toBe('The tool said: Rainy');
  });

  it('adds the legacy response.tool_call.delta for clients that send the nested tool form or ask by header', async () => {
    const nested = { type: 'function' as const, function: { name: 'weather', description: 'Weather in a city', parameters: WEATHER.parameters } };
    for (const [tools, headers] of [
      [[nested], {}],
      [[WEATHER], { 'X-Legacy-Stream-Events': 'true' }],
    ] as const) {
      const stream = await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Rome"}', tools: tools as never, stream: true }, { headers });
      const events = await collect(stream);
      const added = events.find((e) => e.type === 'response.output_item.added')!;
      const legacy = events.filter((e) => e.type === 'response.tool_call.delta').at(-1)!;
      expect(JSON.parse(legacy.delta)).toEqual([{ id: added.item.call_id, type: 'function', name: 'weather', arguments: '{"city":"Rome"}' }]);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, index) => index));
    }
  });

  it('answers in place with submit_tool_outputs: the same response continues', async () => {
    const waiting = await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Lima"}', tools: [WEATHER] });
    const call = waiting.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    const final = await submit(waiting.id, { tool_call_id: call.call_id, output: [{ type: 'output_text', text: 'Foggy' }] });
    expect(final.id).toBe(waiting.id);
    expect(final.status).toBe('completed');
    expect(final.output.map((item) => item.type)).toEqual(['function_call', 'message']);
    const retrieved = await client.responses.retrieve(waiting.id);
    expect(retrieved.output_text).toBe('The tool said: Foggy');
    expect(retrieved.output).toEqual(final.output);
  });

  it('streams an in-place continuation on the same sequence', async () => {
    const first = await collect(await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Kyiv"}', tools: [WEATHER], stream: true }));
    const id = first[0].response.id;
    const callId = first.find((e) => e.type === 'response.output_item.added')!.item.call_id;
    // The SDK's generic post parses server-sent events too when asked to stream.
    const stream = await client.post<AsyncIterable<AnyEvent>>(`/responses/${id}/submit_tool_outputs`, {
      body: { tool_outputs: [{ call_id: callId, output: 'Snow' }], stream: true },
      stream: true,
    });
    const continued = await collect(stream);
    expect(continued[0]).toMatchObject({ type: 'response.in_progress', sequence_number: first.at(-1)!.sequence_number + 1 });
    expect(continued.map((e) => e.sequence_number)).toEqual(continued.map((_, i) => first.length + i));
    expect(continued.at(-1)).toMatchObject({ type: 'response.completed' });
    expect(continued.find((e) => e.type === 'response.output_text.delta')).toMatchObject({ output_index: 1 });
    // Replaying the whole response shows both parts, in one sequence.
    const replay = await collect(await client.responses.retrieve(id, { stream: true }));
    expect(replay.map((e) => e.sequence_number)).toEqual(replay.map((_, i) => i));
    expect(replay.at(-1)!.response.output.map((item: { type: string }) => item.type)).toEqual(['function_call', 'message']);
  });

  it('follows a running continuation from the start of the log, past the first response.completed', async () => {
    const first = await collect(await client.responses.create({ model: 'm', input: 'CALL weather {"city":"Quito"}', tools: [WEATHER], stream: true }));
    const id = first[0].response.id;
    const callId = first.find((e) => e.type === 'response.output_item.added')!.item.call_id;
    const continuation = (
      await client.post<AsyncIterable<AnyEvent>>(`/responses/${id}/submit_tool_outputs`, {
        body: { tool_outputs: [{ call_id: callId, output: 'SLOW and sunny' }], stream: true },
        stream: true,
      })
    )[Symbol.asyncIterator]();
    // Once the continuation has begun (its first event is out)...
    const opening = await continuation.next();
    const continuing = collect({ [Symbol.asyncIterator]: () => continuation });
    // ...another client, mid-continuation, reads the whole story from the start and follows it to its real end.
    const followed = await collect(await client.responses.retrieve(id, { stream: true }));
    const continued = [opening.value as AnyEvent, ...(await continuing)];
    expect(followed.filter((e) => e.type === 'response.completed')).toHaveLength(2);
    expect(followed).toEqual([...first, ...continued]);
  });

  it('waits for every parallel call before continuing', async () => {
    const waiting = await client.responses.create({ model: 'm', input: 'CALL2', tools: [WEATHER] });
    const [a, b] = waiting.output as OpenAI.Responses.ResponseFunctionToolCall[];
    expect([a.arguments, b.arguments]).toEqual(['{"city":"Paris"}', '{"city":"Tokyo"}']);
    const half = await submit(waiting.id, { tool_call_id: a.call_id, output: 'Warm' });
    expect(half.output).toHaveLength(2);
    const final = await submit(waiting.id, { tool_call_id: b.call_id, output: 'Cold' });
    expect(final.output_text ?? (final.output[2] as any).content[0].text).toBe('The tool said: Cold');
    expect(server.stub.requests.at(-1)!.messages.filter((m: { role: string }) => m.role === 'tool')).toEqual([
      { role: 'tool', tool_call_id: a.call_id, content: 'Warm' },
      { role: 'tool', tool_call_id: b.call_id, content: 'Cold' },
    ]);
  });

  describe('errors', () => {
    it('400 for a call id the response never issued, both ways', async () => {
      const waiting = await client.responses.create({ model: 'm', input: 'CALL weather {}', tools: [WEATHER] });
      await expect(submit(waiting.id, { tool_call_id: 'call_nope', output: 'x' })).rejects.toMatchObject({
        status: 400,
        code: 'invalid_tool_call_id',
        param: 'tool_call_id',
      });
      await expect(
        client.responses.create({ model: 'm', previous_response_id: waiting.id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }),
      ).rejects.toMatchObject({ status: 400, code: 'invalid_tool_call_id', param: 'input[0].call_id' });
      await expect(submit(waiting.id, { output: 'x' })).rejects.toMatchObject({ status: 400, param: 'tool_call_id' });
      await expect(submit('resp_missing', { tool_call_id: 'c', output: 'x' })).rejects.toMatchObject({ status: 404 });
    });

    it('409 for an output submitted twice and for a response that is not waiting', async () => {
      const waiting = await client.responses.create({ model: 'm', input: 'CALL weather {}', tools: [WEATHER] });
      const callId = (waiting.output[0] as OpenAI.Responses.ResponseFunctionToolCall).call_id;
      await submit(waiting.id, { tool_call_id: callId, output: 'ok' });
      await expect(submit(waiting.id, { tool_call_id: callId, output: 'again' })).rejects.toMatchObject({ status: 409, code: 'tool_output_already_submitted' });
      const plain = await client.responses.create({ model: 'm', input: 'no tools here' });
      await expect(submit(plain.id, { tool_call_id: 'call_x', output: 'x' })).rejects.toMatchObject({ status: 400 });
    });

    it('lets only one of two concurrent submissions for the same call win', async () => {
      const waiting = await client.responses.create({ model: 'm', input: 'CALL weather {}', tools: [WEATHER] });
      const callId = (waiting.output[0] as OpenAI.Responses.ResponseFunctionToolCall).call_id;
      const results = await Promise.allSettled([
        submit(waiting.id, { tool_call_id: callId, output: 'one' }),
        submit(waiting.id, { tool_call_id: callId, output: 'two' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ status: 409 });
      const final = await client.responses.retrieve(waiting.id);
      expect(final.output).toHaveLength(2);
    });

    it.each([
      [[{ type: 'function', parameters: { type: 'object' } }], 'tools[0].name'],
      [[WEATHER, { ...WEATHER }], 'tools[1].name'],
      [[{ ...WEATHER, parameters: { type: 'array' } }], 'tools[0].parameters'],
      [[{ type: 'function', function: { name: 'x', parameters: 'nope' } }], 'tools[0].function.parameters'],
    ])('400 for an invalid tool definition, naming it (%#)', async (tools, param) => {
      await expect(client.responses.create({ model: 'm', input: 'x', tools: tools as never })).rejects.toMatchObject({ status: 400, param });
    });
  });
});

describe('STRICT_EVENTS', () => {
  it('sends only event types of the Open Responses specification', async () => {
    const server = await startTestServer({ STRICT_EVENTS: 'true', STREAM_HEARTBEAT_MS: '100' });
    try {
      const res = await fetch(`${server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'CALL weather {"city":"Rome"}', tools: [WEATHER], stream: true }),
      });
      const body = await res.text();
      expect(body).not.toContain('response.tool_call.delta');
      const slow = await fetch(`${server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'TOKENS 2 300', stream: true }),
      });
      const slowBody = await slow.text();
      expect(slowBody).toContain(': ping\n\n');
      expect(slowBody).not.toContain('response.ping');
    } finally {
      await server.close();
    }
  });
});

export type { ResponseStreamEvent };
