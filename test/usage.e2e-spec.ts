import OpenAI from 'openai';
import WebSocket from 'ws';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { finishedResponse } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const ADMIN_KEY = 'admin-key-for-usage-tests';

interface UsageRow {
  tenant?: string;
  key_id?: string | null;
  model?: string;
  day?: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
}

/** A response.create over WebSocket, read to its end. */
async function createOverSocket(url: string, key: string, body: Record<string, unknown>): Promise<string> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const id = await new Promise<string>((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; response?: { id: string } };
      if (message.type === 'response.completed') resolve(message.response!.id);
    });
    socket.send(JSON.stringify({ type: 'response.create', ...body }));
  });
  socket.close();
  return id;
}

/** Usage per tenant, key, model and day, as responses end; the sums are those of the responses' own usage. */
describe('Usage', () => {
  let db: FreshDatabase;
  let server: TestServer;
  const admin = async (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/admin${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...init.headers } });
  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it('adds up every response as it ends (foreground, streamed, background, WebSocket, store: false), per tenant, key, model and day', async () => {
    const makeKey = async (tenant: string) =>
      (await (await admin('/keys', { method: 'POST', body: JSON.stringify({ tenant }) })).json()) as { id: string; key: string };
    const [one, two, other] = [await makeKey('team-a'), await makeKey('team-a'), await makeKey('team-b')];
    const clientOf = (key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const a1 = clientOf(one.key);
    const a2 = clientOf(two.key);

    const stored: string[] = [];
    stored.push((await a1.responses.create({ model: 'model-x', input: 'Hello there' })).id);
    const stream = await a1.responses.create({ model: 'model-x', input: 'REASON', stream: true });
    for await (const event of stream) if (event.type === 'response.completed') stored.push(event.response.id);
    const job = await a2.responses.create({ model: 'model-y', input: 'In the background', background: true });
    await finishedResponse(a2, job.id);
    stored.push(job.id);
    stored.push(await createOverSocket(server.url, two.key, { model: 'model-y', input: 'Over a socket' }));
    const unstored = await clientOf(other.key).responses.create({ model: 'model-x', input: 'Keep nothing', store: false });

    const responses = await Promise.all(stored.map((id) => a1.responses.retrieve(id)));
    const sum = (list: typeof responses, pick: (usage: NonNullable<(typeof responses)[number]['usage']>) => number) =>
      list.reduce((total, r) => total + pick(r.usage!), 0);
    const byKey = (await (await admin('/usage?group_by=tenant,key,model')).json()) as { data: UsageRow[] };
    const expected = (key: string, model: string) => {
      const mine = responses.filter((r) => r.model === model && (key === one.id ? [stored[0], stored[1]] : [stored[2], stored[3]]).includes(r.id));
      return {
        tenant: 'team-a',
        key_id: key,
        model,
        requests: mine.length,
        input_tokens: sum(mine, (u) => u.input_tokens),
        output_tokens: sum(mine, (u) => u.output_tokens),
        cached_tokens: sum(mine, (u) => u.input_tokens_details.cached_tokens),
        reasoning_tokens: sum(mine, (u) => u.output_tokens_details.reasoning_tokens),
        total_tokens: sum(mine, (u) => u.total_tokens),
      };
    };
    expect(byKey.data).toEqual(
      expect.arrayContaining([
        expected(one.id, 'model-x'),
        expected(two.id, 'model-y'),
        {
          tenant: 'team-b',
          key_id: other.id,
          model: 'model-x',
          requests: 1,
          input_tokens: unstored.usage!.input_tokens,
          output_tokens: unstored.usage!.output_tokens,
          cached_tokens: unstored.usage!.input_tokens_details.cached_tokens,
          reasoning_tokens: 0,
          total_tokens: unstored.usage!.total_tokens,
        },
      ]),
    );
    expect(byKey.data).toHaveLength(3);
    expect(expected(one.id, 'model-x').reasoning_tokens).toBeGreaterThan(0);

    // One tenant, by day; and the same as CSV.
    const today = new Date().toISOString().slice(0, 10);
    const daily = (await (await admin(`/usage?group_by=day&tenant=team-a&from=${today}&to=${today}`)).json()) as { data: UsageRow[] };
    expect(daily.data).toEqual([expect.objectContaining({ day: today, requests: 4, total_tokens: sum(responses, (u) => u.total_tokens) })]);
    const csv = await admin(`/usage?group_by=day&tenant=team-a&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, row] = (await csv.text()).trim().split('\r\n');
    expect(header).toBe('day,requests,input_tokens,output_tokens,cached_tokens,reasoning_tokens,total_tokens');
    expect(row.split(',').slice(0, 2)).toEqual([today, '4']);
  });

  it('refuses a bad query with a 400 that names it, never a 500', async () => {
    for (const [query, param] of [
      ['group_by=color', 'group_by'],
      ['from=2026-13-45', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=99999-01-01', 'from'],
    ]) {
      const answer = await admin(`/usage?${query}`);
      expect([query, answer.status]).toEqual([query, 400]);
      expect(((await answer.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });
});
