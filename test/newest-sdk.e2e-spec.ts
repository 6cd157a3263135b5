import OpenAI from 'openai-latest';

import { startTestServer, type TestServer } from './support/test-server';

/**
 * The newest official Node SDK's `responses.stream()` helper (what most TypeScript users call) on default settings:
 * it refuses any event it does not know, so the server sends by default only the events OpenAI and the Open
 * Responses specification define.
 */
describe("The newest Node SDK's responses.stream() helper", () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    // A heartbeat interval short enough to fire during a slow answer.
    server = await startTestServer({ STREAM_HEARTBEAT_MS: '100' });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(() => server.close());

  const getTime = { type: 'function' as const, name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} }, strict: false };

  it('streams text, through heartbeats, to its final response', async () => {
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: 'm', input: 'TOKENS 4 250' });
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(deltas.join('')).toBe(final.output_text);
    expect(final.output_text).toBe('t0 t1 t2 t3 ');
  });

  it('streams a tool call, and the continuation that answers it', async () => {
    const stream = client.responses.stream({ model: 'm', input: 'What time is it?', tools: [getTime] });
    const argumentDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta));
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_time', arguments: '{}' });
    const next = await client.responses
      .stream({
        model: 'm',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call!.type === 'function_call' ? call!.call_id : '', output: '18:42' }],
        tools: [getTime],
      })
      .finalResponse();
    expect(next.output_text).toBe('The tool said: 18:42');
  });

  it('reads a stored response back as a stream', async () => {
    const stored = await client.responses.create({ model: 'm', input: 'TOKENS 3 150', stream: true });
    let id = '';
    for await (const event of stored) if (event.type === 'response.created') id = event.response.id;
    const replay = client.responses.stream({ response_id: id });
    const final = await replay.finalResponse();
    expect(final.output_text).toBe('t0 t1 t2 ');
  });

  it('accepts the request fields of its ResponseCreateParams that this server cannot honour, and those Codex CLI sends', async () => {
    const response = await client.responses.create({
      model: 'm',
      input: 'hi',
      prompt_cache_retention: 'in_memory',
      prompt_cache_options: { mode: 'implicit', ttl: '30m' },
      context_management: [{ type: 'compaction', compact_threshold: 100_000 }],
      moderation: { model: 'omni-moderation-latest' },
      image: { context_compression: 'auto' },
      background_options: { completion_window: 'soonest' },
      access_programs: { cyber: 'standard' },
      // Not in the SDK's types: what Codex CLI adds to every request.
      ...({ client_metadata: { 'x-codex-session': 'abc' } } as object),
    });
    expect(response.output_text).toBe('Hello! You said: hi');
  });

  it("refuses a reusable prompt (kept by OpenAI) with a 400 that says what to send instead, and takes OpenAI's newer tool choices", async () => {
    await expect(client.responses.create({ model: 'm', prompt: { id: 'pmpt_1' } })).rejects.toMatchObject({
      status: 400,
      param: 'prompt',
      code: 'unsupported_parameter',
    });
    const applyPatch = { type: 'custom' as const, name: 'apply_patch' };
    const chosen = await client.responses.create({ model: 'm', input: 'hi', tools: [applyPatch], tool_choice: { type: 'custom', name: 'apply_patch' } });
    expect(chosen.tool_choice).toEqual({ type: 'custom', name: 'apply_patch' });
    expect(server.stub.requests.at(-1)!.tool_choice).toEqual({ type: 'function', function: { name: 'apply_patch' } });
    const hosted = await client.responses.create({
      model: 'm',
      input: 'hi',
      tools: [{ type: 'web_search_preview' }],
      tool_choice: { type: 'web_search_preview' },
      reasoning: { effort: 'max' },
    });
    expect(hosted.status).toBe('completed');
  });
});
