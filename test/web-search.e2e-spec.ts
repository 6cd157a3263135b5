import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import OpenAI from 'openai-latest';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { finishedResponse } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

/** A fake SearXNG instance: answers `/search?q=…&format=json` with two pages, or the status `failWith` says. */
async function startFakeSearxng() {
  const queries: string[] = [];
  const state = { failWith: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://fake');
    if (url.pathname !== '/search' || url.searchParams.get('format') !== 'json') {
      res.writeHead(404).end();
      return;
    }
    queries.push(url.searchParams.get('q')!);
    if (state.failWith) {
      res.writeHead(state.failWith).end('no');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        query: url.searchParams.get('q'),
        results: [
          { title: 'NestJS 11 is out', url: 'https://nestjs.example/blog/v11', content: 'Express 5 by default.' },
          { title: 'Release notes', url: 'https://github.example/nestjs/releases', content: 'Breaking changes.' },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const RESULTS_TEXT =
  '[1] NestJS 11 is out\nhttps://nestjs.example/blog/v11\nExpress 5 by default.\n\n[2] Release notes\nhttps://github.example/nestjs/releases\nBreaking changes.';

describe('web_search run by the server through a configured search provider', () => {
  let search: Awaited<ReturnType<typeof startFakeSearxng>>;
  let server: TestServer;
  let client: OpenAI;
  // A database of its own: its background jobs must run on a replica configured as this one (every replica of a
  // deployment has the same search provider), not on another test file's server.
  let db: FreshDatabase;
  beforeAll(async () => {
    search = await startFakeSearxng();
    db = await createFreshDatabase();
    server = await startTestServer({ WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: search.url, MAX_TOOL_ROUNDS: '3' }, db.url);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await search.close();
    await db.drop();
  });
  beforeEach(() => {
    search.state.failWith = 0;
    search.queries.length = 0;
    server.stub.requests.length = 0;
  });

  it('searches when the model asks, gives the model the results, and returns the search with the answer in one response', async () => {
    const { data: response, response: http } = await client.responses
      .create({
        model: 'm',
        input: 'CALL web_search {"query":"nestjs 11 release"}',
        tools: [{ type: 'web_search', filters: { allowed_domains: ['nestjs.example'] } }],
      })
      .withResponse();
    expect(http.headers.get('x-tools-not-offered')).toBeNull();
    expect(search.queries).toEqual(['nestjs 11 release site:nestjs.example']);
    expect(response.status).toBe('completed');
    expect(response.output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
    expect(response.output[0]).toEqual({
      id: expect.stringMatching(/^ws_/),
      type: 'web_search_call',
      status: 'completed',
      action: {
        type: 'search',
        query: 'nestjs 11 release',
        sources: [
          { type: 'url', url: 'https://nestjs.example/blog/v11' },
          { type: 'url', url: 'https://github.example/nestjs/releases' },
        ],
      },
    });
    expect(response.output_text).toBe(`The tool said: ${RESULTS_TEXT}`);
    // The model was offered the search as a function, then asked again with its results.
    expect(server.stub.requests).toHaveLength(2);
    expect(server.stub.requests[0].tools.map((tool: any) => tool.function.name)).toEqual(['web_search']);
    expect(server.stub.requests[1].messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [expect.objectContaining({ type: 'function', function: { name: 'web_search', arguments: '{"query":"nestjs 11 release"}' } })],
      },
      { role: 'tool', tool_call_id: expect.any(String), content: RESULTS_TEXT },
    ]);
    // The usage is both model calls'.
    expect(response.usage!.input_tokens).toBeGreaterThan(0);
    const retrieved = await client.responses.retrieve(response.id);
    expect(retrieved.output).toEqual(response.output);
    // The chain goes on: the search is history the backend is not shown again.
    const next = await client.responses.create({ model: 'm', previous_response_id: response.id, input: 'Thanks' });
    expect(next.output_text).toBe('Hello! You said: Thanks');
  });

  it("streams OpenAI's web_search_call events, which the newest SDK's stream helper takes", async () => {
    const stream = client.responses.stream({ model: 'm', input: 'CALL web_search {"query":"nestjs"}', tools: [{ type: 'web_search_preview' }] });
    const types: string[] = [];
    const sequence: number[] = [];
    stream.on('event', (event) => {
      types.push(event.type);
      sequence.push(event.sequence_number);
    });
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(sequence).toEqual(sequence.map((_, index) => index));
    const search = types.filter((type) => type.includes('web_search') || type.startsWith('response.output_item'));
    expect(search.slice(0, 5)).toEqual([
      'response.output_item.added',
      'response.web_search_call.in_progress',
      'response.web_search_call.searching',
      'response.web_search_call.completed',
      'response.output_item.done',
    ]);
    expect(types.at(-1)).toBe('response.completed');
    expect(final.output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
    expect(final.output_text).toContain('NestJS 11 is out');
  });

  it('fails the search and not the response when the provider is down: the model is told and answers', async () => {
    search.state.failWith = 503;
    const response = await client.responses.create({ model: 'm', input: 'CALL web_search {"query":"anything"}', tools: [{ type: 'web_search' }] });
    expect(response.status).toBe('completed');
    expect(response.output[0]).toMatchObject({ type: 'web_search_call', status: 'failed', action: { type: 'search', query: 'anything' } });
    expect(response.output_text).toBe('The tool said: The search failed: the search provider answered HTTP 503.');
  });

  it('asks the model at most MAX_TOOL_ROUNDS times, the last time with no tool to call', async () => {
    const steps = [1, 2, 3, 4, 5].map((n) => ({ name: 'web_search', arguments: { query: `q${n}` } }));
    const response = await client.responses.create({ model: 'm', input: `STEPS ${JSON.stringify(steps)}`, tools: [{ type: 'web_search' }] });
    expect(response.status).toBe('completed');
    expect(server.stub.requests).toHaveLength(3);
    expect(server.stub.requests.map((request) => request.tool_choice ?? 'auto')).toEqual(['auto', 'auto', 'none']);
    expect(search.queries).toEqual(['q1', 'q2', 'q3']);
  });

  it('counts searches against max_tool_calls', async () => {
    const steps = [1, 2, 3].map((n) => ({ name: 'web_search', arguments: { query: `q${n}` } }));
    const response = await client.responses.create({ model: 'm', input: `STEPS ${JSON.stringify(steps)}`, tools: [{ type: 'web_search' }], max_tool_calls: 1 });
    expect(search.queries).toEqual(['q1']);
    expect(server.stub.requests.map((request) => request.tool_choice ?? 'auto')).toEqual(['auto', 'none']);
    expect(response.output.filter((item) => item.type === 'web_search_call')).toHaveLength(1);
  });

  it('runs searches in background responses too', async () => {
    const queued = await client.responses.create({
      model: 'm',
      input: 'CALL web_search {"query":"background"}',
      tools: [{ type: 'web_search' }],
      background: true,
    });
    const response = await finishedResponse(client, queued.id);
    expect(response.status).toBe('completed');
    expect(response.output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
    expect(search.queries).toEqual(['background']);
  });
});
