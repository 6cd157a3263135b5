import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, type ModelMessage, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';

import { startTestServer, type TestServer } from './support/test-server';

// The Vercel AI SDK's OpenAI provider speaks the Responses API and checks every object and event it reads against
// its own schemas: a field we shape differently from OpenAI fails here, not in a user's app.
describe('Vercel AI SDK (@ai-sdk/openai, Responses API)', () => {
  let server: TestServer;
  let model: ReturnType<ReturnType<typeof createOpenAI>['responses']>;

  beforeAll(async () => {
    server = await startTestServer();
    model = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key' }).responses('stub-model');
  });
  afterAll(() => server.close());

  const weather = tool({
    description: 'Weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  });

  it('generates text, with its usage and the id of the stored response', async () => {
    const result = await generateText({ model, prompt: 'Hi there', maxRetries: 0 });

    expect(result.text).toBe('Hello! You said: Hi there');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const id = result.providerMetadata?.openai?.responseId as string;
    expect(id).toMatch(/^resp_/);
    expect((await server.client.responses.retrieve(id)).output_text).toBe('Hello! You said: Hi there');
  });

  it('streams text delta by delta to the same answer', async () => {
    const result = streamText({ model, prompt: 'Stream this', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello! You said: Stream this');
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it('continues a conversation, whose earlier answers the SDK sends by item id', async () => {
    const first = await generateText({ model, prompt: 'My name is Ada.', maxRetries: 0 });
    const messages: ModelMessage[] = [{ role: 'user', content: 'My name is Ada.' }, ...first.response.messages, { role: 'user', content: 'What is my name?' }];
    const second = await generateText({ model, messages, maxRetries: 0 });

    expect(second.text).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: 'Hello! You said: My name is Ada.' },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
  });

  it('talks within a conversation named in its provider options', async () => {
    const { id } = await server.client.conversations.create({ items: [{ role: 'user', content: 'My name is Ada.' }] });
    const result = await generateText({ model, prompt: 'What is my name?', providerOptions: { openai: { conversation: id } }, maxRetries: 0 });

    expect(result.text).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages).toHaveLength(2);
    const items = await server.client.conversations.items.list(id, { order: 'asc' });
    expect(items.data.map((item) => (item as { role: string }).role)).toEqual(['user', 'user', 'assistant']);
  });

  it('calls a tool, runs it and answers with its result in a second step', async () => {
    const result = await generateText({
      model,
      prompt: 'CALL weather {"city":"Paris"}',
      tools: { weather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });

    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].toolCalls).toEqual([expect.objectContaining({ toolName: 'weather', input: { city: 'Paris' } })]);
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.text).toBe('The tool said: sunny in Paris');
    // The second request handed the backend the call and its output.
    expect(server.stub.requests.at(-1)!.messages.slice(-2)).toEqual([
      expect.objectContaining({ role: 'assistant', tool_calls: [expect.objectContaining({ function: { name: 'weather', arguments: '{"city":"Paris"}' } })] }),
      expect.objectContaining({ role: 'tool', content: 'sunny in Paris' }),
    ]);
  });

  it('streams a tool call and the answer after it', async () => {
    const result = streamText({ model, prompt: 'CALL weather {"city":"Oslo"}', tools: { weather }, stopWhen: stepCountIs(2), maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);

    expect(parts).toEqual(expect.arrayContaining(['tool-input-start', 'tool-input-delta', 'tool-call', 'tool-result', 'text-delta', 'finish']));
    expect(parts).not.toContain('error');
    expect(await result.text).toBe('The tool said: sunny in Oslo');
    expect((await result.steps).map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
  });

  it('surfaces a backend refusal as an API error with its status and message', async () => {
    const failure = await generateText({ model, prompt: 'HTTP 429', maxRetries: 0 }).catch((error: unknown) => error);

    expect(APICallError.isInstance(failure)).toBe(true);
    expect((failure as APICallError).statusCode).toBe(429);
    expect((failure as APICallError).message).toMatch(/stub error 429/);
  });
});
