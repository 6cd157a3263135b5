import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { rebuildOutput, startStreamedJob, type StreamEvent, streamStored, waitFor } from './support/sse';
import { tokensReply } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

describe('Background responses', () => {
  let db: FreshDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({ SHUTDOWN_GRACE_MS: '0' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  const finished = (id: string) =>
    waitFor(async () => {
      const response = await server.client.responses.retrieve(id);
      return ['queued', 'in_progress'].includes(response.status!) ? undefined : response;
    });

  it('returns queued at once, runs the job, and tells pollers when to come back', async () => {
    const created = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 20 30', background: true });
    expect(created.status).toBe('queued');
    expect(created.background).toBe(true);
    expect(created.output).toEqual([]);

    const { data: running, response: raw } = await server.client.responses.retrieve(created.id).withResponse();
    expect(['queued', 'in_progress']).toContain(running.status);
    expect(raw.headers.get('retry-after')).toBe('1');

    const done = await finished(created.id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(20));
    const { response: doneRaw } = await server.client.responses.retrieve(created.id).withResponse();
    expect(doneRaw.headers.get('retry-after')).toBeNull();
  });

  it('streams only a job created with stream: true: a polled one is refused while it runs, replayed once finished', async () => {
    const created = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 20 30', background: true });
    const whileRunning = await fetch(`${server.url}/v1/responses/${created.id}?stream=true`, { headers: { Authorization: 'Bearer test-key' } });
    expect(whileRunning.status).toBe(400);
    expect(((await whileRunning.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', param: 'stream' });

    const done = await finished(created.id);
    const events = await streamStored(server.url, created.id);
    expect(events.map((e) => e.type)).toContain('response.output_text.delta');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(rebuildOutput(events)).toEqual(done.output);
  });

  it('refuses store: false', async () => {
    await expect(server.client.responses.create({ model: 'stub-model', input: 'hi', background: true, store: false })).rejects.toMatchObject({
      status: 400,
      param: 'store',
    });
  });

  it('streams the job from response.created to response.completed, and the stored log replays it exactly', async () => {
    const stream = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 8 10', background: true, stream: true });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    expect(events[0].response.status).toBe('queued');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(text).toBe(tokensReply(8));

    const id = events[0].response.id;
    const stored = await server.client.responses.retrieve(id);
    expect(await streamStored(server.url, id)).toEqual(events);
    expect(rebuildOutput(events)).toEqual(stored.output);
  });

  it('streams a job as in progress once a worker has it, before its backend answers', async () => {
    const stream = await server.client.responses.create({ model: 'stub-model', input: 'WAIT 1000 TOKENS 2', background: true, stream: true });
    const arrivals = new Map<string, number>();
    for await (const event of stream) if (!arrivals.has(event.type)) arrivals.set(event.type, performance.now());

    expect([...arrivals.keys()].slice(0, 3)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    // The backend holds its answer for a second: in_progress arrived long before the first token.
    expect(arrivals.get('response.output_text.delta')! - arrivals.get('response.in_progress')!).toBeGreaterThan(500);
    expect(arrivals.has('response.completed')).toBe(true);
  });

  it('streams a job its backend refuses as in progress, then failed with the reason; the log replays the same', async () => {
    const stream = await server.client.responses.create({ model: 'stub-model', input: 'HTTP 400', background: true, stream: true });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.queued', 'response.in_progress', 'response.failed']);
    expect(events.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3]);
    expect(events[3].response.error?.message).toMatch(/stub error 400/);
    expect(await streamStored(server.url, events[0].response.id)).toEqual(events);
  });

  it('keeps running when the streaming client goes away', async () => {
    const abortedBefore = server.stub.aborted;
    const stream = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 15 20', background: true, stream: true });
    let id = '';
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') break;
    }
    const done = await finished(id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(tokensReply(15));
    expect(server.stub.aborted).toBe(abortedBefore);
  });

  it('cancels a running job: the upstream call stops and the response ends cancelled', async () => {
    const abortedBefore = server.stub.aborted;
    const requestsBefore = server.stub.requests.length;
    const created = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 400 20', background: true });
    // Running: the worker has it and the upstream is answering.
    await waitFor(async () => (server.stub.requests.length > requestsBefore ? true : undefined));
    expect((await server.client.responses.retrieve(created.id)).status).toBe('in_progress');

    const cancelled = await server.client.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    await waitFor(async () => (server.stub.aborted > abortedBefore ? true : undefined), 5000);
    const events = await streamStored(server.url, created.id);
    expect(events.at(-1)!.type).toBe('response.cancelled');
    expect(rebuildOutput(events)).toEqual((await server.client.responses.retrieve(created.id)).output);

    // Cancelling again returns it unchanged.
    expect((await server.client.responses.cancel(created.id)).status).toBe('cancelled');
  });

  it('returns a finished response unchanged on cancel, and refuses to cancel a foreground one', async () => {
    const created = await server.client.responses.create({ model: 'stub-model', input: 'hello', background: true });
    await finished(created.id);
    expect((await server.client.responses.cancel(created.id)).status).toBe('completed');

    const foreground = await server.client.responses.create({ model: 'stub-model', input: 'hello' });
    await expect(server.client.responses.cancel(foreground.id)).rejects.toMatchObject({ status: 400 });
    await expect(server.client.responses.cancel('resp_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('fails the response with the reason when the backend refuses the job', async () => {
    const created = await server.client.responses.create({ model: 'stub-model', input: 'HTTP 400', background: true });
    const done = await finished(created.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/stub error 400/);
  });

  it('continues a finished background response with previous_response_id', async () => {
    const first = await server.client.responses.create({ model: 'stub-model', input: 'first', background: true });
    await finished(first.id);
    const second = await server.client.responses.create({ model: 'stub-model', input: 'second', previous_response_id: first.id, background: true });
    const done = await finished(second.id);
    expect(done.output_text).toBe('Hello! You said: second');
    const upstreamMessages = server.stub.requests
      .at(-1)!
      .messages.map((m: { content: string | Array<{ text: string }> }) =>
        typeof m.content === 'string' ? m.content : m.content.map((part) => part.text).join(''),
      );
    expect(upstreamMessages).toEqual(['first', 'Hello! You said: first', 'second']);
  });
});

describe('The background queue when no worker runs', () => {
  let db: FreshDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({ JOB_CONCURRENCY: '0', MAX_QUEUED_JOBS: '2' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it('ends a live follow whose response is deleted while it waits', async () => {
    const queued = { id: await startStreamedJob(server.client, 'never runs') };
    const res = await fetch(`${server.url}/v1/responses/${queued.id}?stream=true`, { headers: { Authorization: 'Bearer test-key' } });
    // The follow has replayed the log and waits for more.
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: response.queued')) text += decoder.decode((await reader.read()).value, { stream: true });
    await server.client.responses.delete(queued.id);
    const started = Date.now();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const types = [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]).filter((type) => type !== 'response.ping');
    expect(types).toEqual(['response.created', 'response.queued']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 429 with Retry-After beyond MAX_QUEUED_JOBS, and cancels a queued job at once', async () => {
    const a = { id: await startStreamedJob(server.client, 'a') };
    const b = await server.client.responses.create({ model: 'stub-model', input: 'b', background: true });
    const full = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'stub-model', input: 'c', background: true }),
    });
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(((await full.json()) as { error: unknown }).error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });

    const cancelled = await server.client.responses.cancel(a.id);
    expect(cancelled.status).toBe('cancelled');
    const events = await streamStored(server.url, a.id);
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.queued', 'response.cancelled']);
    expect(events.map((e) => e.sequence_number)).toEqual([0, 1, 2]);
    // A polled job (no event log) is cancelled the same way.
    expect((await server.client.responses.cancel(b.id)).status).toBe('cancelled');
    expect((await server.client.responses.retrieve(b.id)).status).toBe('cancelled');
    // Room again.
    expect((await server.client.responses.create({ model: 'stub-model', input: 'c', background: true })).status).toBe('queued');
  });
});
