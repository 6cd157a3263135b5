import { type AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent } from 'langchain';
import { z } from 'zod';

import { startTestServer, type TestServer } from './support/test-server';

// LangChain's ChatOpenAI with `useResponsesApi` turns each response and stream event into its own messages and
// chunks, and sends its history back as Responses input items: what an app built on LangChain sees of this server.
describe('LangChain (@langchain/openai, Responses API)', () => {
  let server: TestServer;
  let model: ChatOpenAI;

  beforeAll(async () => {
    server = await startTestServer();
    model = new ChatOpenAI({ model: 'stub-model', apiKey: 'test-key', configuration: { baseURL: `${server.url}/v1` }, useResponsesApi: true, maxRetries: 0 });
  });
  afterAll(() => server.close());

  const weather = tool(async ({ city }) => `sunny in ${city}`, {
    name: 'weather',
    description: 'Weather in a city',
    schema: z.object({ city: z.string() }),
  });

  it('answers with the text, its usage and the id of the stored response', async () => {
    const reply = await model.invoke('Hi there');

    expect(reply.text).toBe('Hello! You said: Hi there');
    expect(reply.id).toMatch(/^resp_/);
    expect(reply.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(reply.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect((await server.client.responses.retrieve(reply.id!)).output_text).toBe('Hello! You said: Hi there');
  });

  it('streams chunks that add up to the same answer', async () => {
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream('Stream this')) chunks.push(chunk);
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk));

    expect(chunks.filter((chunk) => chunk.text).length).toBeGreaterThan(1);
    expect(whole.text).toBe('Hello! You said: Stream this');
    expect(whole.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it('continues a conversation from its messages, the earlier answer sent back as LangChain keeps it', async () => {
    const question = new HumanMessage('My name is Ada.');
    const first = await model.invoke([question]);
    const second = await model.invoke([question, first, new HumanMessage('What is my name?')]);

    expect(second.text).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: 'Hello! You said: My name is Ada.' },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
  });

  it('continues from a previous_response_id given as a call option', async () => {
    const first = await model.invoke('My name is Grace.');
    const second = await model.invoke('What is my name?', { previous_response_id: first.id });

    expect(second.text).toBe('Hello! You said: What is my name?');
    expect(server.stub.requests.at(-1)!.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect((await server.client.responses.retrieve(second.id!)).previous_response_id).toBe(first.id);
  });

  it('calls a bound tool, and answers with its result once the tool message comes back', async () => {
    const withTools = model.bindTools([weather]);
    const question = new HumanMessage('CALL weather {"city":"Paris"}');
    const call = await withTools.invoke([question]);

    expect(call.tool_calls).toEqual([expect.objectContaining({ name: 'weather', args: { city: 'Paris' }, id: expect.any(String) })]);
    const result = await weather.invoke(call.tool_calls![0]);
    const answer = await withTools.invoke([question, call, result]);

    expect(answer.text).toBe('The tool said: sunny in Paris');
    expect(server.stub.requests.at(-1)!.messages.slice(-2)).toEqual([
      expect.objectContaining({ role: 'assistant', tool_calls: [expect.objectContaining({ function: { name: 'weather', arguments: '{"city":"Paris"}' } })] }),
      expect.objectContaining({ role: 'tool', content: 'sunny in Paris' }),
    ]);
  });

  it('streams a tool call whose arguments add up to the call', async () => {
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.bindTools([weather]).stream('CALL weather {"city":"Oslo"}')) chunks.push(chunk);
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk));

    expect(whole.tool_calls).toEqual([expect.objectContaining({ name: 'weather', args: { city: 'Oslo' } })]);
  });

  it("runs a LangChain agent's tool loop, step after step, to its answer", async () => {
    const lookups: string[] = [];
    const lookup = tool(
      async ({ city }) => {
        lookups.push(city);
        return `sunny in ${city}`;
      },
      { name: 'weather', description: 'Weather in a city', schema: z.object({ city: z.string() }) },
    );
    const agent = createAgent({ model, tools: [lookup], systemPrompt: 'Be brief.' });
    const steps = [
      { name: 'weather', arguments: { city: 'Paris' } },
      { name: 'weather', arguments: { city: 'Rome' } },
    ];
    const state = await agent.invoke({ messages: [new HumanMessage(`STEPS ${JSON.stringify(steps)}`)] });

    expect(lookups).toEqual(['Paris', 'Rome']);
    expect(state.messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool', 'ai', 'tool', 'ai']);
    expect(state.messages.at(-1)!.text).toBe('All done.');
    expect(server.stub.requests.at(-1)!.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('gives structured output parsed against its schema', async () => {
    const structured = model.withStructuredOutput(z.object({ answer: z.string() }), { name: 'answer' });

    expect(await structured.invoke('Answer in JSON')).toEqual({ answer: 'ok' });
    expect(server.stub.requests.at(-1)!.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('surfaces a backend refusal as an error with its status and message', async () => {
    const failure = (await model.invoke('HTTP 429').catch((error: unknown) => error)) as { status?: number; message: string };

    expect(failure.status).toBe(429);
    expect(failure.message).toMatch(/stub error 429/);
  });
});
