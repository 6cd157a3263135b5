import { streamingChat } from '../examples/responses_api/streaming_chat';
import { toolCallWorkflow } from '../examples/responses_api/tool_calls';
import { backgroundJob } from '../examples/responses_api/background';
import { conversation } from '../examples/responses_api/conversation';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

describe('README examples', () => {
  let db: FreshDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({}, db.url);
  });
  afterAll(async () => {
    await server.close();
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
});
