import { streamingChat } from '../examples/responses_api/streaming_chat';
import { toolCallWorkflow } from '../examples/responses_api/tool_calls';
import { startTestServer, type TestServer } from './support/test-server';

describe('README examples', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

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
});
