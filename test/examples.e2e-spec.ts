import { backgroundJob } from '../examples/responses_api/background';
import { conversation } from '../examples/responses_api/conversation';
import { mcpTools } from '../examples/responses_api/mcp_tools';
import { streamingChat } from '../examples/responses_api/streaming_chat';
import { toolCallWorkflow } from '../examples/responses_api/tool_calls';
import { startWebhookReceiver } from '../examples/responses_api/webhook_receiver';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestMcpServer, type TestMcpServer } from './support/mcp-server';
import { freePort } from './support/server-process';
import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

describe('README examples', () => {
  let db: FreshDatabase;
  let server: TestServer;
  let mcp: TestMcpServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    mcp = await startTestMcpServer();
    server = await startTestServer({ MCP_ALLOWED_HOSTS: '127.0.0.1' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await mcp.close();
    await db.drop();
  });

  it('streaming_chat prints the deltas as they arrive', async () => {
    const written: string[] = [];
    const text = await streamingChat(server.client, 'stub-model', 'Tell me a joke', (piece) => written.push(piece));
    expect(text).toBe('Hello! You said: Tell me a joke');
    expect(written.length).toBeGreaterThan(2);
    expect(written.join('')).toBe('Hello! You said: Tell me a joke\n');
  });

  it('tool_calls runs the get_time workflow through submit_tool_outputs', async () => {
    const lines: string[] = [];
    const text = await toolCallWorkflow(server.client, 'stub-model', (line) => lines.push(line));
    expect(text).toBe('The tool said: It is 18:42 UTC.');
    expect(lines[0]).toMatch(/^response resp_\w+ asked for tool call call_\w+$/);
    const request = server.stub.requests.at(-1)!;
    expect(request.messages.at(-2).tool_calls[0].function.name).toBe('get_time');
    expect(request.messages.at(-1)).toMatchObject({ role: 'tool', content: 'It is 18:42 UTC.' });
  });

  it('background queues a job and polls it to completion', async () => {
    const lines: string[] = [];
    const text = await backgroundJob(server.client, 'stub-model', 'TOKENS 10 30', (line) => lines.push(line), 100);
    expect(text).toBe(Array.from({ length: 10 }, (_, i) => `t${i} `).join(''));
    expect(lines[0]).toMatch(/^queued resp_\w+$/);
    expect(lines).toContain('completed');
    expect(lines.at(-1)).toBe(text);
  });

  it('conversation sends each message alone and lists the whole conversation at the end', async () => {
    const lines: string[] = [];
    const answers = await conversation(server.client, 'stub-model', ['My name is Ada.', 'What is my name?'], (line) => lines.push(line));
    expect(answers).toEqual(['Hello! You said: My name is Ada.', 'Hello! You said: What is my name?']);
    // The second turn reached the model with the first one before it.
    expect(server.stub.requests.at(-1)!.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(lines.slice(-4)).toEqual([
      '[user] My name is Ada.',
      '[assistant] Hello! You said: My name is Ada.',
      '[user] What is my name?',
      '[assistant] Hello! You said: What is my name?',
    ]);
  });

  it("mcp_tools asks for each call's approval and gets the answer with the tool's result", async () => {
    const lines: string[] = [];
    const asked: string[] = [];
    const text = await mcpTools(
      server.client,
      'stub-model',
      'CALL tools__add {"a":2,"b":3}',
      `${mcp.url}/mcp`,
      async (request) => {
        asked.push(`${request.name} ${request.arguments}`);
        return true;
      },
      (line) => lines.push(line),
      'token-1',
    );
    expect(asked).toEqual(['add {"a":2,"b":3}']);
    expect(text).toBe('The tool said: 5');
    expect(lines).toEqual(['called tools.add({"a":2,"b":3}) → 5', 'The tool said: 5']);
    expect(mcp.headers.at(-1)!.authorization).toBe('Bearer token-1');
  });

  it('webhook_receiver verifies the deliveries of a background response and reads the response', async () => {
    const secret = 'whsec_' + Buffer.from('a webhook secret for the example').toString('base64');
    const port = await freePort();
    const lines: string[] = [];

    // A database of its own: the replica that ends a response records its webhooks with its own WEBHOOK_URL.
    const own = await createFreshDatabase();
    const withWebhooks = await startTestServer({ WEBHOOK_URL: `http://127.0.0.1:${port}/`, WEBHOOK_SECRET: secret }, own.url);
    const receiver = await startWebhookReceiver(withWebhooks.client, secret, port, (line) => lines.push(line));
    try {
      const job = await withWebhooks.client.responses.create({ model: 'stub-model', input: 'Ping', background: true });
      const line = await waitFor(async () => lines.find((l) => l.includes(job.id)));
      expect(line).toBe(`response.completed ${job.id}: Hello! You said: Ping`);
    } finally {
      await withWebhooks.close();
      await own.drop();
      receiver.close();
    }
  });
});
