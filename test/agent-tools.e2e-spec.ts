import OpenAI from 'openai-latest';

import { startTestServer, type TestServer } from './support/test-server';

/** What Codex CLI sends with a generic model name: a shell function, a namespace of agent functions, web search. */
const CODEX_TOOLS = [
  {
    type: 'function',
    name: 'shell',
    description: 'Runs a command',
    parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } },
    strict: false,
  },
  {
    type: 'namespace',
    name: 'multi_agent_v1',
    description: 'Sub-agents',
    tools: [
      {
        type: 'function',
        name: 'spawn_agent',
        description: 'Starts an agent',
        parameters: { type: 'object', properties: { task: { type: 'string' } } },
        strict: false,
        defer_loading: true,
      },
    ],
  },
  { type: 'web_search', external_web_access: false },
];

describe('Agent clients: namespaces and tools this server does not run', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(() => server.close());

  const create = (body: Record<string, unknown>) => client.responses.create({ model: 'm', tools: CODEX_TOOLS, ...body } as never).withResponse();

  it("accepts Codex CLI's request, offers its functions (namespaces flattened) and says which tools were not offered", async () => {
    const { data, response } = await create({
      input: 'hi',
      store: false,
      include: ['reasoning.encrypted_content'],
      client_metadata: { 'x-codex-turn': '1' },
      parallel_tool_calls: false,
      stream: false,
    });
    expect(data.output_text).toBe('Hello! You said: hi');
    expect(response.headers.get('x-tools-not-offered')).toBe('web_search');
    const offered = server.stub.requests.at(-1)!.tools.map((tool: { function: { name: string } }) => tool.function.name);
    expect(offered).toEqual(['shell', 'multi_agent_v1__spawn_agent']);
    // The response echoes the tools as they were sent.
    expect(data.tools.map((tool) => tool.type)).toEqual(['function', 'namespace', 'web_search']);
  });

  it('returns a call of a namespaced function with its namespace, streamed and stored, and takes its output back', async () => {
    const stream = await client.responses.create({
      model: 'm',
      input: 'CALL multi_agent_v1__spawn_agent {"task":"lint"}',
      tools: CODEX_TOOLS as never,
      stream: true,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const done = events.find((event) => event.type === 'response.output_item.done');
    expect(done).toMatchObject({ item: { type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"task":"lint"}' } });
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    const call = completed.response.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'spawn_agent', namespace: 'multi_agent_v1' });
    const next = await client.responses.create({
      model: 'm',
      previous_response_id: completed.response.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'agent started' }],
      tools: CODEX_TOOLS as never,
    });
    expect(next.output_text).toBe('The tool said: agent started');
    // The backend got the call back under the name it was offered.
    const history = server.stub.requests.at(-1)!.messages;
    expect(history.find((message: { tool_calls?: unknown[] }) => message.tool_calls)).toMatchObject({
      tool_calls: [{ function: { name: 'multi_agent_v1__spawn_agent' } }],
    });
  });

  it('refuses a tool type nobody defines, and, with STRICT_TOOLS, one it would not offer', async () => {
    await expect(client.responses.create({ model: 'm', input: 'x', tools: [{ type: 'banana' }] as never })).rejects.toMatchObject({
      status: 400,
      param: 'tools[0].type',
    });
    const strict = await startTestServer({ STRICT_TOOLS: 'true' });
    try {
      const strictClient = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
      await expect(strictClient.responses.create({ model: 'm', input: 'x', tools: CODEX_TOOLS as never })).rejects.toMatchObject({
        status: 400,
        code: 'unsupported_tool',
        param: 'tools',
      });
    } finally {
      await strict.close();
    }
  });

  it("runs a custom tool's round trip (apply_patch as Codex models get it), through the newest SDK's stream helper", async () => {
    const applyPatch = {
      type: 'custom',
      name: 'apply_patch',
      description: 'Applies a patch.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' },
    };
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch';
    const stream = client.responses.stream({
      model: 'gpt-5-codex',
      input: `CALL apply_patch ${JSON.stringify({ input: patch })}`,
      tools: [applyPatch] as never,
    });
    const inputDeltas: string[] = [];
    stream.on('response.custom_tool_call_input.delta', (event) => inputDeltas.push(event.delta));
    const first = await stream.finalResponse();
    const call = first.output[0] as OpenAI.Responses.ResponseCustomToolCall;
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: patch, call_id: expect.any(String) });
    expect(inputDeltas.join('')).toBe(patch);
    // Offered as a function of one string, its grammar in the description.
    const offered = server.stub.requests.at(-1)!.tools[0].function;
    expect(offered).toMatchObject({ name: 'apply_patch', parameters: { properties: { input: { type: 'string' } }, required: ['input'] } });
    expect(offered.description).toContain('start: begin_patch hunk+ end_patch');

    const next = await client.responses.create({
      model: 'gpt-5-codex',
      previous_response_id: first.id,
      input: [{ type: 'custom_tool_call_output', call_id: call.call_id, output: 'Done!' }],
      tools: [applyPatch] as never,
    });
    expect(next.output_text).toBe('The tool said: Done!');
    const history = server.stub.requests.at(-1)!.messages;
    expect(history.find((message: { tool_calls?: unknown[] }) => message.tool_calls)).toMatchObject({
      tool_calls: [{ function: { name: 'apply_patch', arguments: JSON.stringify({ input: patch }) } }],
    });
    // A stored response's log replays it the same way.
    const replayed = await client.responses.stream({ response_id: first.id }).finalResponse();
    expect(replayed.output[0]).toMatchObject({ type: 'custom_tool_call', input: patch });
  });

  it('runs the shell, local_shell and apply_patch tools as the items OpenAI returns, and takes their outputs back', async () => {
    const tools = [{ type: 'shell' }, { type: 'local_shell' }, { type: 'apply_patch' }];
    const steps = [
      { name: 'shell', arguments: { commands: ['ls -la'], timeout_ms: 1000 } },
      { name: 'local_shell', arguments: { command: ['bash', '-lc', 'pwd'] } },
      { name: 'apply_patch', arguments: { operation: { type: 'create_file', path: 'a.txt', diff: '+hi' } } },
    ];
    let previous: OpenAI.Responses.Response | undefined;
    const calls: any[] = [];
    for (let turn = 0; turn <= steps.length; turn++) {
      const answer = calls.at(-1) && outputFor(calls.at(-1));
      const response: OpenAI.Responses.Response = await client.responses.create({
        model: 'm',
        tools: tools as never,
        ...(previous ? { previous_response_id: previous.id, input: [answer] as never } : { input: `STEPS ${JSON.stringify(steps)}` }),
      });
      if (turn < steps.length) calls.push(response.output[0]);
      else expect(response.output_text).toBe('All done.');
      previous = response;
    }
    expect(calls[0]).toMatchObject({ type: 'shell_call', action: { commands: ['ls -la'], timeout_ms: 1000 }, status: 'completed' });
    expect(calls[1]).toMatchObject({ type: 'local_shell_call', action: { type: 'exec', command: ['bash', '-lc', 'pwd'] } });
    expect(calls[2]).toMatchObject({ type: 'apply_patch_call', operation: { type: 'create_file', path: 'a.txt', diff: '+hi' } });
    // The backend was offered them as functions, and got each call and its result back as a tool call.
    const request = server.stub.requests.at(-1)!;
    expect(request.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['shell', 'local_shell', 'apply_patch']);
    const results = request.messages.filter((message: { role: string }) => message.role === 'tool').map((message: { content: string }) => message.content);
    expect(results).toEqual(['exit code 0\nstdout:\nfile.txt\nstderr:\n', '/home/me', 'completed: created a.txt']);
  });
});

function outputFor(call: any): unknown {
  if (call.type === 'shell_call')
    return { type: 'shell_call_output', call_id: call.call_id, output: [{ stdout: 'file.txt', stderr: '', outcome: { type: 'exit', exit_code: 0 } }] };
  if (call.type === 'local_shell_call') return { type: 'local_shell_call_output', id: call.call_id, output: '/home/me' };
  return { type: 'apply_patch_call_output', call_id: call.call_id, status: 'completed', output: 'created a.txt' };
}
