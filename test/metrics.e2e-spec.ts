import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

/** The value of a metric with these labels in a Prometheus text exposition (0 when absent). */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? wanted.every((label) => l.includes(label)) : false));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** /metrics: what an operator's dashboard and alerts read. */
describe('Metrics', () => {
  let db: FreshDatabase;
  let server: TestServer;
  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
  beforeAll(async () => {
    db = await createFreshDatabase();
    // No job worker: queued jobs stay queued, so the queue's gauges have something to show.
    server = await startTestServer({ API_KEYS: 'key-m=team-m', JOB_CONCURRENCY: '0' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it("counts requests, responses and tokens per tenant, errors by status, open streams, and the queue's depth and age", async () => {
    const before = await scrape();
    const headers = { authorization: 'Bearer key-m', 'content-type': 'application/json' };
    const created = await (
      await fetch(`${server.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ model: 'model-m', input: 'Count me' }) })
    ).json();
    await fetch(`${server.url}/v1/responses/resp_missing`, { headers });
    await fetch(`${server.url}/v1/responses`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body: '{}' });
    await fetch(`${server.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ model: 'model-m', input: 'Later', background: true }) });
    const stream = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'model-m', input: 'TOKENS 50 40', stream: true }),
    });
    const reader = stream.body!.getReader();
    await reader.read();

    const during = await scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(during, name, labels) - valueOf(before, name, labels);
    expect(delta('responses_server_http_requests_total', { tenant: 'team-m', route: 'POST /v1/responses', status: '200' })).toBe(2);
    expect(delta('responses_server_http_requests_total', { tenant: 'team-m', route: 'GET /v1/responses/:id', status: '404' })).toBe(1);
    expect(delta('responses_server_http_requests_total', { tenant: 'unauthenticated', status: '401' })).toBe(1);
    expect(delta('responses_server_responses_total', { tenant: 'team-m', model: 'model-m', status: 'completed' })).toBe(1);
    expect(delta('responses_server_tokens_total', { tenant: 'team-m', model: 'model-m', kind: 'output' })).toBe(
      (created as { usage: { output_tokens: number } }).usage.output_tokens,
    );
    expect(valueOf(during, 'responses_server_open_streams', { transport: 'sse' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(during, 'responses_server_jobs_queued')).toBe(1);
    expect(valueOf(during, 'responses_server_jobs_oldest_queued_seconds')).toBeGreaterThan(0);
    await reader.cancel();
  });

  it('keeps the series of model names bounded: a client sending new names for ever grows them to 100, the rest counted as other', async () => {
    const headers = { authorization: 'Bearer key-m', 'content-type': 'application/json' };
    const create = (model: string) =>
      fetch(`${server.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ model, input: 'hi', store: false }) }).then((res) => res.json());
    const before = await scrape();
    for (let n = 0; n < 150; n += 25) await Promise.all(Array.from({ length: 25 }, (_, i) => create(`made-up-${n + i}-${'x'.repeat(200)}`)));
    await create('model-m');

    const after = await scrape();
    const models = new Set(after.split('\n').flatMap((line) => (line.startsWith('responses_server_responses_total{') ? /model="([^"]*)"/.exec(line)![1] : [])));
    // model-m and 99 made-up names have their own series (100 names, whatever else is sent), and other.
    expect(models.size).toBe(100 + 1);
    expect(models.has('other')).toBe(true);
    expect(valueOf(after, 'responses_server_responses_total', { model: 'other', status: 'completed' })).toBe(51);
    expect(
      valueOf(after, 'responses_server_responses_total', { model: 'model-m', status: 'completed' }) -
        valueOf(before, 'responses_server_responses_total', { model: 'model-m', status: 'completed' }),
    ).toBe(1);
  });

  it('serves every metric the Grafana dashboard under deploy/ charts', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'deploy', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const charted = new Set(
      dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(responses_server|nodejs|process)_\w+/g) ?? [])),
    );
    const served = await scrape();
    for (const name of charted) expect(served).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
  });
});
