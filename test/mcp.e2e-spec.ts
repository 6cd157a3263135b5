import OpenAI from 'openai-latest';

import { createFreshDatabase, type FreshDatabase, tablesHolding } from './support/fresh-database';
import { type HostileMcpServer, startHostileMcpServer } from './support/hostile-mcp-server';
import { startTestMcpServer, type TestMcpServer } from './support/mcp-server';
import { finishedResponse, waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

type Item = { type: string; [key: string]: unknown };
const items = (response: OpenAI.Responses.Response) => response.output as unknown as Item[];

/** Remote MCP tools run by the server, against an MCP server built with the official SDK. */
describe('Remote MCP tools', () => {
  let mcp: TestMcpServer;
  let server: TestServer;
  let client: OpenAI;
  const tool = (extra: Record<string, unknown> = {}) =>
    ({
      type: 'mcp',
      server_label: 'tools',
      server_url: `${mcp.url}/mcp`,
      authorization: 'secret-token-1',
      require_approval: 'never',
      ...extra,
    }) as OpenAI.Responses.Tool;

  // A database of its own: its background jobs must run on a replica configured as this one.
  let db: FreshDatabase;
  beforeAll(async () => {
    mcp = await startTestMcpServer();
    db = await createFreshDatabase();
    server = await startTestServer({ MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_TIMEOUT_MS: '1500' }, db.url);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await mcp.close();
    await db.drop();
  });
  beforeEach(() => {
    mcp.calls.length = 0;
    mcp.headers.length = 0;
  });

  it("lists the server's tools, runs the model's call and gives the result back to the model, in one response", async () => {
    const response = await client.responses.create({ model: 'm', input: 'CALL tools__add {"a":2,"b":3}', tools: [tool()] });
    expect(response.status).toBe('completed');
    const output = items(response);
    expect(output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    expect(output[0]).toMatchObject({
      id: expect.stringMatching(/^mcpl_/),
      server_label: 'tools',
      tools: expect.arrayContaining([expect.objectContaining({ name: 'add', annotations: { readOnlyHint: true } })]),
    });
    expect(output[1]).toEqual({
      id: expect.stringMatching(/^mcp_/),
      type: 'mcp_call',
      status: 'completed',
      server_label: 'tools',
      name: 'add',
      arguments: '{"a":2,"b":3}',
      output: '5',
      error: null,
      approval_request_id: null,
    });
    expect(response.output_text).toBe('The tool said: 5');
    expect(mcp.calls).toEqual([{ name: 'add', arguments: { a: 2, b: 3 } }]);
    // The model was offered the server's tools under its label.
    expect(server.stub.requests.at(-2)!.tools.map((offered: any) => offered.function.name)).toEqual([
      'tools__add',
      'tools__echo',
      'tools__fail',
      'tools__slow',
    ]);
    // The credentials were used, and are neither echoed nor stored.
    expect(mcp.headers.every((headers) => headers.authorization === 'Bearer secret-token-1')).toBe(true);
    expect(response.tools[0]).not.toHaveProperty('authorization');
    expect((await client.responses.retrieve(response.id)).tools[0]).not.toHaveProperty('authorization');
    expect(await tablesHolding(db.url, 'secret-token-1')).toEqual({});
  });

  it("streams OpenAI's MCP events, which the newest SDK's stream helper takes", async () => {
    const stream = client.responses.stream({ model: 'm', input: 'CALL tools__echo {"text":"hi"}', tools: [tool()] });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('The tool said: hi');
    expect(types.filter((type) => type.includes('mcp'))).toEqual([
      'response.mcp_list_tools.in_progress',
      'response.mcp_list_tools.completed',
      'response.mcp_call.in_progress',
      'response.mcp_call_arguments.delta',
      'response.mcp_call_arguments.done',
      'response.mcp_call.completed',
    ]);
  });

  it('opens the stream before it lists the tools, as OpenAI does: response.created, then the listing in progress, come while it is under way', async () => {
    const release = mcp.holdListings();
    // Let go in any case: a server that lists first fails this test rather than hangs it.
    const fallback = setTimeout(release, 1000);
    const answeredBefore = mcp.listingsAnswered;
    const answeredAt: Record<string, number> = {};
    const stream = client.responses.stream({ model: 'm', input: 'CALL tools__echo {"text":"hi"}', tools: [tool()] });
    stream.on('event', (event) => {
      if (event.type !== 'response.created' && event.type !== 'response.mcp_list_tools.in_progress') return;
      answeredAt[event.type] = mcp.listingsAnswered - answeredBefore;
      if (event.type === 'response.mcp_list_tools.in_progress') release();
    });
    const final = await stream.finalResponse();
    clearTimeout(fallback);
    expect(answeredAt).toEqual({ 'response.created': 0, 'response.mcp_list_tools.in_progress': 0 });
    expect(final.output_text).toBe('The tool said: hi');
    expect(items(final).map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    expect(items(final)[0]).toMatchObject({ server_label: 'tools', tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]) });
    expect((await client.responses.retrieve(final.id)).output_text).toBe('The tool said: hi');
  });

  it('stops a run whose client leaves while the tools are listed: the response ends cancelled, its listing as failed, and a continuation lists again', async () => {
    const release = mcp.holdListings();
    const controller = new AbortController();
    const asked = () => server.stub.requests.filter((request) => JSON.stringify(request).includes('left early')).length;
    let id = '';
    const stream = await client.responses.create(
      { model: 'm', input: 'CALL tools__echo {"text":"left early"}', tools: [tool()], stream: true },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.mcp_list_tools.in_progress') controller.abort();
    }
    release();
    const stored = await waitFor(async () => {
      const response = await client.responses.retrieve(id);
      return response.status !== 'in_progress' ? response : undefined;
    });
    expect(stored.status).toBe('cancelled');
    expect(asked()).toBe(0);
    // The listing did not finish: it says so, and is not taken for the server's tools by what follows.
    expect(items(stored)).toEqual([expect.objectContaining({ type: 'mcp_list_tools', server_label: 'tools', tools: [], error: expect.any(String) })]);
    const next = await client.responses.create({ model: 'm', previous_response_id: id, input: 'CALL tools__echo {"text":"again"}', tools: [tool()] });
    expect(next.output_text).toBe('The tool said: again');
    expect(items(next)[0]).toMatchObject({ type: 'mcp_list_tools', tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]) });
  });

  it('tells a refusal by the model that comes after the opening in the stream, and stores the response as failed', async () => {
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: 'm', input: 'HTTP 400', tools: [tool()], stream: true })) events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.mcp_list_tools.completed');
    const last = events[events.length - 1] as OpenAI.Responses.ResponseFailedEvent;
    expect(last.type).toBe('response.failed');
    expect(last.response.error?.message).toContain('stub error 400');
    expect((await client.responses.retrieve(last.response.id)).status).toBe('failed');
  });

  it('asks for approval, then makes the call once approved, without listing the tools again', async () => {
    const asked = await client.responses.create({ model: 'm', input: 'CALL tools__add {"a":1,"b":1}', tools: [tool({ require_approval: 'always' })] });
    expect(asked.status).toBe('completed');
    const request = items(asked).at(-1)!;
    expect(request).toEqual({
      id: expect.stringMatching(/^mcpr_/),
      type: 'mcp_approval_request',
      server_label: 'tools',
      name: 'add',
      arguments: '{"a":1,"b":1}',
    });
    expect(mcp.calls).toEqual([]);

    const listings = mcp.listings;
    const approved = await client.responses.create({
      model: 'm',
      previous_response_id: asked.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id as string, approve: true }],
      tools: [tool({ require_approval: 'always' })],
    });
    expect(items(approved).map((item) => item.type)).toEqual(['mcp_call', 'message']);
    expect(approved.output[0]).toMatchObject({ type: 'mcp_call', name: 'add', output: '2', approval_request_id: request.id });
    expect(approved.output_text).toBe('The tool said: 2');
    expect(mcp.calls).toEqual([{ name: 'add', arguments: { a: 1, b: 1 } }]);
    expect(mcp.listings).toBe(listings);
  });

  it('tells the model when the user refuses a call, and makes none', async () => {
    const asked = await client.responses.create({
      model: 'm',
      input: 'CALL tools__echo {"text":"x"}',
      tools: [tool({ require_approval: { always: { tool_names: ['echo'] } } })],
    });
    const request = items(asked).find((item) => item.type === 'mcp_approval_request')!;
    const refused = await client.responses.create({
      model: 'm',
      previous_response_id: asked.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id as string, approve: false, reason: 'not now' }],
      tools: [tool()],
    });
    expect(items(refused).map((item) => item.type)).toEqual(['message']);
    expect(refused.output_text).toBe('The tool said: The user refused this call: not now');
    expect(mcp.calls).toEqual([]);
    await expect(
      client.responses.create({
        model: 'm',
        previous_response_id: asked.id,
        input: [{ type: 'mcp_approval_response', approval_request_id: 'mcpr_nope', approve: true }],
        tools: [tool()],
      }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'input[0].approval_request_id' } });
  });

  it("puts a tool's error, or a call that takes too long, in the call's item and goes on", async () => {
    const failed = await client.responses.create({ model: 'm', input: 'CALL tools__fail {}', tools: [tool()] });
    expect(failed.status).toBe('completed');
    expect(failed.output[1]).toMatchObject({ type: 'mcp_call', status: 'failed', output: null, error: { type: 'mcp_tool_execution_error' } });
    expect(failed.output_text).toBe('The tool said: The call failed: the tool broke');
    // Counted in /metrics.
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/responses_server_mcp_operations_total\{kind="call",outcome="failed"\} [1-9]/);

    const slow = await client.responses.create({ model: 'm', input: 'CALL tools__slow {"ms":4000}', tools: [tool()] });
    expect(slow.status).toBe('completed');
    expect(slow.output[1]).toMatchObject({ type: 'mcp_call', status: 'failed', error: { type: 'mcp_protocol_error' } });
  });

  it('fails the listing of a server that is down, and answers without its tools', async () => {
    const response = await client.responses.create({ model: 'm', input: 'Hello', tools: [tool({ server_url: 'http://127.0.0.1:9/mcp' })] });
    expect(response.status).toBe('completed');
    expect(response.output[0]).toMatchObject({ type: 'mcp_list_tools', tools: [], error: expect.stringContaining('could not be reached') });
    expect(response.output_text).toBe('Hello! You said: Hello');
  });

  it('speaks the older HTTP+SSE transport too', async () => {
    const response = await client.responses.create({ model: 'm', input: 'CALL tools__add {"a":4,"b":4}', tools: [tool({ server_url: `${mcp.url}/sse` })] });
    expect(response.output_text).toBe('The tool said: 8');
    expect(mcp.headers.filter((headers) => headers.authorization === 'Bearer secret-token-1').length).toBeGreaterThan(1);
  });

  it('runs MCP tools in background responses, with credentials kept sealed', async () => {
    const queued = await client.responses.create({
      model: 'm',
      input: 'CALL tools__add {"a":20,"b":22}',
      tools: [tool({ authorization: 'secret-token-2' })],
      background: true,
    });
    const done = await finishedResponse(client, queued.id);
    expect(done.output_text).toBe('The tool said: 42');
    expect(mcp.headers.some((headers) => headers.authorization === 'Bearer secret-token-2')).toBe(true);
    expect(await tablesHolding(db.url, 'secret-token-2')).toEqual({});
  });

  it("tells a streamed background job's reader of a listing as it starts, while the listing is under way", async () => {
    const release = mcp.holdListings();
    // Let go in any case: a job that tells the listing only once it ended fails this test rather than hangs it.
    const fallback = setTimeout(release, 1000);
    const answeredBefore = mcp.listingsAnswered;
    let answeredAtInProgress: number | undefined;
    const types: string[] = [];
    const stream = await client.responses.create({ model: 'm', input: 'CALL tools__echo {"text":"hi"}', tools: [tool()], background: true, stream: true });
    for await (const event of stream) {
      types.push(event.type);
      if (event.type !== 'response.mcp_list_tools.in_progress') continue;
      answeredAtInProgress = mcp.listingsAnswered - answeredBefore;
      release();
    }
    clearTimeout(fallback);
    expect(answeredAtInProgress).toBe(0);
    expect(types.filter((type) => type.startsWith('response.mcp_list_tools'))).toEqual([
      'response.mcp_list_tools.in_progress',
      'response.mcp_list_tools.completed',
    ]);
    expect(types.at(-1)).toBe('response.completed');
  });

  it('refuses a server_url whose host MCP_ALLOWED_HOSTS does not list', async () => {
    await expect(client.responses.create({ model: 'm', input: 'hi', tools: [tool({ server_url: 'http://169.254.169.254/mcp' })] })).rejects.toMatchObject({
      status: 400,
      error: { code: 'mcp_server_not_allowed', param: 'tools[0].server_url' },
    });
  });
});

/** A request's MCP server is the client's choice: what it sends must harm nothing but the calls made to it. */
describe('A hostile MCP server', () => {
  // Small enough that the endless listing reaches it in a few hundred pages (a round trip each) well within
  // MCP_TIMEOUT_MS, even on a busy machine: at 64 KiB it took over 10 s while other processes held both cores.
  const MAX_ANSWER_BYTES = 16_384;
  let hostile: HostileMcpServer;
  let mcp: TestMcpServer;
  let server: TestServer;
  let client: OpenAI;
  const tool = (url: string) => ({ type: 'mcp', server_label: 'tools', server_url: url, require_approval: 'never' }) as OpenAI.Responses.Tool;

  beforeAll(async () => {
    hostile = await startHostileMcpServer();
    mcp = await startTestMcpServer();
    server = await startTestServer({ MCP_ALLOWED_HOSTS: '127.0.0.1', MCP_TIMEOUT_MS: '10000', MCP_MAX_ANSWER_BYTES: String(MAX_ANSWER_BYTES) });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await hostile.close();
    await mcp.close();
  });

  it.each(['json', 'sse'])(
    'that lists a tool of 600 MB (as %s) fails only its listing: it is read no further than MCP_MAX_ANSWER_BYTES, the response answers and is stored, and others are answered meanwhile',
    async (form) => {
      const sentBefore = hostile.bytesSent;
      const listing = client.responses.create({ model: 'm', input: 'Hello', tools: [tool(`${hostile.url}/huge-listing/${form}`)] });
      const others = await Promise.all([1, 2, 3].map((n) => client.responses.create({ model: 'm', input: `Other ${n}` })));
      expect(others.map((response) => response.output_text)).toEqual([1, 2, 3].map((n) => `Hello! You said: Other ${n}`));

      const response = await listing;
      expect(response.status).toBe('completed');
      expect(response.output[0]).toMatchObject({ type: 'mcp_list_tools', tools: [], error: expect.stringContaining('MCP_MAX_ANSWER_BYTES') });
      expect(response.output_text).toBe('Hello! You said: Hello');
      expect(await client.responses.retrieve(response.id)).toEqual(response);
      // What was sent before the connection was cut: what was read, and what the sockets' buffers held.
      expect(hostile.bytesSent - sentBefore).toBeLessThan(32 * 1024 * 1024);
    },
  );

  it('that gives a next page for ever fails its listing once the pages hold more than MCP_MAX_ANSWER_BYTES', async () => {
    const pagesBefore = hostile.pages;
    const response = await client.responses.create({ model: 'm', input: 'Hello', tools: [tool(`${hostile.url}/endless-pages`)] });
    expect(response.status).toBe('completed');
    expect(response.output[0]).toMatchObject({ type: 'mcp_list_tools', tools: [], error: expect.stringContaining('MCP_MAX_ANSWER_BYTES') });
    // Each page's tool is about 50 characters of JSON.
    expect(hostile.pages - pagesBefore).toBeLessThan(MAX_ANSWER_BYTES / 40);
  });

  it('whose call answers 600 MB fails that call; the model is told, and the response is stored', async () => {
    const response = await client.responses.create({ model: 'm', input: 'CALL tools__dump {}', tools: [tool(`${hostile.url}/huge-call`)] });
    expect(response.status).toBe('completed');
    expect(response.output[1]).toMatchObject({ type: 'mcp_call', status: 'failed', output: null, error: { type: 'http_error' } });
    expect(response.output_text).toContain('MCP_MAX_ANSWER_BYTES');
    expect(await client.responses.retrieve(response.id)).toEqual(response);
  });

  it('whose call answers a NUL and a lone surrogate keeps the answer: they become U+FFFD, streamed and stored alike', async () => {
    const stream = await client.responses.create({
      model: 'm',
      input: 'CALL tools__echo {"text":"a\\u0000b\\ud800c"}',
      tools: [tool(`${mcp.url}/mcp`)],
      stream: true,
    });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed!.output[1]).toMatchObject({ type: 'mcp_call', status: 'completed', output: 'a\uFFFDb\uFFFDc' });
    expect(completed!.output[2]).toMatchObject({ type: 'message', content: [{ text: 'The tool said: a\uFFFDb\uFFFDc' }] });
    expect(await client.responses.retrieve(completed!.id)).toMatchObject(completed!);
  });
});
