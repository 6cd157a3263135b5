import OpenAI from 'openai-latest';

import { startTestServer, type TestServer } from './support/test-server';

/** `context_management` with a `compact_threshold`: the server compacts a conversation that has grown past it, on its own. */
describe('Server-side compaction (context_management)', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(() => server.close());

  // The stub counts a word a token.
  const long = (topic: string) => `Here is a long story about ${topic}: ${'and then it went on '.repeat(12)}the end.`;
  const compactAt = (tokens: number) => [{ type: 'compaction' as const, compact_threshold: tokens }];

  it('compacts a chain that passes the threshold: the response begins with a compaction item, and the model is given its summary and the new message', async () => {
    const first = await client.responses.create({ model: 'm', input: long('tea') });
    server.stub.requests.length = 0;
    const second = await client.responses.create({ model: 'm', previous_response_id: first.id, input: 'Next one.', context_management: compactAt(60) });
    expect(second.status).toBe('completed');
    expect(second.output.map((item) => item.type)).toEqual(['compaction', 'message']);
    expect(second.output[0]).toEqual({ id: expect.stringMatching(/^cmp_/), type: 'compaction', encrypted_content: expect.any(String) });
    expect(second.output[0]).not.toHaveProperty('encrypted_content', expect.stringContaining('story'));
    expect(second.output_text).toBe('Hello! You said: Next one.');

    // Counted, summarized, answered.
    const [counting, summarizing, answering] = server.stub.requests;
    expect(server.stub.requests).toHaveLength(3);
    expect(counting.max_tokens).toBe(1);
    expect(summarizing.messages[0].content).toContain('You are compacting a conversation');
    expect(answering.messages.map((message: { role: string }) => message.role)).toEqual(['system', 'user']);
    expect(answering.messages[0].content).toContain('A summary of the conversation before this point');
    expect(answering.messages[1].content).toEqual([{ type: 'text', text: 'Next one.' }]);
    // The summary's tokens are the response's too.
    expect(second.usage!.input_tokens).toBeGreaterThan(summarizing.messages.length);

    // The chain goes on from the compaction item: what came before it is not given again.
    server.stub.requests.length = 0;
    const third = await client.responses.create({ model: 'm', previous_response_id: second.id, input: 'And another.', context_management: compactAt(60) });
    expect(third.output.map((item) => item.type)).toEqual(['message']);
    const given = server.stub.requests.at(-1)!.messages;
    // The summary (which holds "Next one." too), the answer after it, the new message.
    expect(given.map((message: { role: string }) => message.role)).toEqual(['system', 'assistant', 'user']);
    expect(given[1].content).toBe('Hello! You said: Next one.');
    expect(JSON.stringify(server.stub.requests)).not.toContain('long story');
  });

  it('streams the compaction item before the answer', async () => {
    const stream = client.responses.stream({
      model: 'm',
      input: [
        { role: 'user', content: long('coffee') },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: 'Go on.' },
      ],
      context_management: compactAt(40),
    });
    const items: string[] = [];
    stream.on('response.output_item.done', (event) => items.push(event.item.type));
    const final = await stream.finalResponse();
    expect(items).toEqual(['compaction', 'message']);
    expect(final.output[0].type).toBe('compaction');
    expect(final.output_text).toBe('Hello! You said: Go on.');
  });

  it('leaves a conversation under the threshold alone, without asking the backend to count it', async () => {
    server.stub.requests.length = 0;
    const response = await client.responses.create({ model: 'm', input: long('water'), context_management: compactAt(100_000) });
    expect(response.output.map((item) => item.type)).toEqual(['message']);
    expect(server.stub.requests).toHaveLength(1);
  });

  it('refuses a threshold that is not a number of tokens', async () => {
    await expect(
      client.responses.create({ model: 'm', input: 'hi', context_management: [{ type: 'compaction', compact_threshold: -5 }] }),
    ).rejects.toMatchObject({
      status: 400,
      error: { param: 'context_management[0].compact_threshold' },
    });
  });
});
