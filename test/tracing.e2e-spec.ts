import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

import { startTracing } from '../src/tracing/tracing';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { spawnServer } from './support/server-process';
import { finishedResponse, waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** OpenTelemetry: one trace from the HTTP request, through the job queue, to the model backend's call. */
describe('Tracing', () => {
  const exporter = new InMemorySpanExporter();
  let provider: NodeTracerProvider;
  let db: FreshDatabase;
  let server: TestServer;
  beforeAll(async () => {
    provider = startTracing({}, new SimpleSpanProcessor(exporter))!;
    db = await createFreshDatabase();
    server = await startTestServer({ API_KEYS: 'key-t=team-t' }, db.url);
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((span) => span.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it("continues the client's trace: the request's span, the response's, then the model call's, with model, tenant and tokens", async () => {
    const headers = { authorization: 'Bearer key-t', 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` };
    const answer = await fetch(`${server.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ model: 'model-t', input: 'Trace me' }) });
    const body = (await answer.json()) as { id: string; usage: { input_tokens: number; output_tokens: number } };
    await waitFor(async () => (named('POST /v1/responses').length ? true : undefined));
    const [http] = named('POST /v1/responses');
    const [run] = named('response');
    const [call] = named('chat model-t');
    expect(http.spanContext().traceId).toBe(TRACE_ID);
    expect(http.attributes).toMatchObject({
      'http.response.status_code': 200,
      'http.route': '/v1/responses',
      'responses.tenant': 'team-t',
      'responses.request_id': answer.headers.get('x-request-id'),
    });
    expect(run.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(run)).toBe(http.spanContext().spanId);
    expect(run.attributes).toMatchObject({
      'responses.response_id': body.id,
      'responses.tenant': 'team-t',
      'gen_ai.request.model': 'model-t',
      'responses.status': 'completed',
      'gen_ai.usage.output_tokens': body.usage.output_tokens,
    });
    expect(parentOf(call)).toBe(run.spanContext().spanId);
    expect(call.attributes).toMatchObject({
      'gen_ai.request.model': 'model-t',
      'gen_ai.usage.input_tokens': body.usage.input_tokens,
      'gen_ai.usage.output_tokens': body.usage.output_tokens,
    });
  });

  it('runs a background job in the trace of the request that queued it', async () => {
    const headers = { authorization: 'Bearer key-t', 'content-type': 'application/json' };
    const queued = (await (
      await fetch(`${server.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ model: 'model-t', input: 'Later', background: true }) })
    ).json()) as { id: string };
    await finishedResponse(
      { responses: { retrieve: async (id: string) => (await fetch(`${server.url}/v1/responses/${id}`, { headers })).json() as Promise<{ status: string }> } },
      queued.id,
    );
    await waitFor(async () => (named('chat model-t').length ? true : undefined));
    const [http] = named('POST /v1/responses');
    const [job] = named('background response');
    const [run] = named('response');
    const [call] = named('chat model-t');
    expect(job.spanContext().traceId).toBe(http.spanContext().traceId);
    expect(parentOf(job)).toBe(http.spanContext().spanId);
    expect(job.attributes).toMatchObject({ 'responses.response_id': queued.id, 'responses.tenant': 'team-t' });
    expect(parentOf(run)).toBe(job.spanContext().spanId);
    expect(parentOf(call)).toBe(run.spanContext().spanId);
  });
});

describe('Tracing to an OTLP endpoint', () => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  let collector: Server;
  const received: string[] = [];
  beforeAll(async () => {
    db = await createFreshDatabase();
    stub = await startStubUpstream();
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(`${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    collector.close();
    await stub.close();
    await db.drop();
  });

  it('exports the spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    await server.client.responses.create({ model: 'model-o', input: 'Export me' });
    // Spans leave in batches; a shutdown sends what waits.
    server.kill('SIGTERM');
    await server.exited;
    const traces = received.filter((entry) => entry.startsWith('/v1/traces '));
    expect(traces.join('\n')).toContain('chat model-o');
    expect(traces.join('\n')).toContain('responses-server');
  }, 60_000);
});
