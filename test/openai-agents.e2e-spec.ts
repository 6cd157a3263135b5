import { Agent, OpenAIConversationsSession, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import { z } from 'zod';

import { startTestServer, type TestServer } from './support/test-server';

// OpenAI's Agents SDK drives the Responses API the way agent apps do: a tool loop, streaming, chaining by
// previous_response_id, and sessions kept in the Conversations API.
describe('OpenAI Agents SDK (@openai/agents)', () => {
  let server: TestServer;
  let runner: Runner;
  let baseURL: string;
  const weather = tool({
    name: 'weather',
    description: 'Weather in a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  });
  const withTools = new Agent({ name: 'Forecaster', instructions: 'Be brief.', model: 'stub-model', tools: [weather] });
  const plain = new Agent({ name: 'Helper', instructions: 'Be brief.', model: 'stub-model' });

  beforeAll(async () => {
    setTracingDisabled(true);
    server = await startTestServer();
    baseURL = `${server.url}/v1`;
    runner = new Runner({ modelProvider: new OpenAIProvider({ baseURL, apiKey: 'test-key', useResponses: true }) });
  });
  afterAll(() => server.close());

  it('runs the tool loop, then answers with the result', async () => {
    const result = await runner.run(withTools, 'CALL weather {"city":"Paris"}');

    expect(result.finalOutput).toBe('The tool said: sunny in Paris');
    expect(result.newItems.map((item) => item.type)).toEqual(['tool_call_item', 'tool_call_output_item', 'message_output_item']);
  });

  it('streams the tool loop and the answer', async () => {
    const result = await runner.run(withTools, 'CALL weather {"city":"Oslo"}', { stream: true });
    let text = '';
    for await (const delta of result.toTextStream()) text += delta;
    await result.completed;

    expect(text).toBe('The tool said: sunny in Oslo');
    expect(result.finalOutput).toBe(text);
  });

  it('chains a run to the last response of another', async () => {
    const first = await runner.run(plain, 'My name is Ada.');
    const second = await runner.run(plain, 'What is my name?', { previousResponseId: first.lastResponseId });

    expect(second.finalOutput).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('keeps a session in the Conversations API, each turn sent once', async () => {
    const session = new OpenAIConversationsSession({ baseURL, apiKey: 'test-key' });
    await runner.run(plain, 'My name is Ada.', { session });
    const second = await runner.run(plain, 'What is my name?', { session });

    expect(second.finalOutput).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const items = await session.getItems();
    expect(items.map((item) => ('role' in item ? item.role : item.type))).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('parses structured output', async () => {
    const typed = new Agent({ name: 'Typed', model: 'stub-model', outputType: z.object({ answer: z.string() }) });
    expect((await runner.run(typed, 'Answer in JSON')).finalOutput).toEqual({ answer: 'ok' });
  });
});
