import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import OpenAI from 'openai';

import { startTestServer, type TestServer } from './support/test-server';

/** Every error body: exactly {error: {message, type, param, code}}. */
function expectErrorShape(body: any): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.type).toEqual(expect.any(String));
}

describe('Errors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '2kb', UPSTREAM_TIMEOUT_MS: '400' });
  });
  afterAll(() => server.close());

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${server.url}/v1/responses`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

  it.each([
    ['an unknown parameter', { model: 'm', input: 'x', foo: 1 }, 'foo', 'unknown_parameter'],
    ['a missing model', { input: 'x' }, 'model', 'missing_required_parameter'],
    ['a wrong type', { model: 'm', input: 'x', temperature: 'hot' }, 'temperature', 'invalid_type'],
    ['an out-of-range value', { model: 'm', input: 'x', top_p: 3 }, 'top_p', 'invalid_value'],
    ['a bad input item', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text' }] }] }, 'input[0].content[0].text', 'invalid_value'],
    ['a bad role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', 'invalid_value'],
    ['a bad phase', { model: 'm', input: [{ role: 'assistant', content: 'x', phase: 'thinking' }] }, 'input[0].phase', 'invalid_value'],
    ['an item reference without an id', { model: 'm', input: [{ role: 'user', content: 'x' }, { type: 'item_reference' }] }, 'input[1].id', 'invalid_value'],
    [
      'too much metadata',
      { model: 'm', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
      'invalid_value',
    ],
    ['a bad text format', { model: 'm', input: 'x', text: { format: { type: 'yaml' } } }, 'text.format.type', 'invalid_value'],
    ['an unknown nested field', { model: 'm', input: 'x', reasoning: { effort: 'low', depth: 3 } }, 'reasoning.depth', 'unknown_parameter'],
    ['a bad include', { model: 'm', input: 'x', include: ['everything'] }, 'include', 'invalid_value'],
  ])('400 for %s, naming the field', async (_name, body, param, code) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(json).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code } });
  });

  it('surfaces validation errors through the SDK as BadRequestError', async () => {
    const error = await server.client.responses.create({ model: 'm', input: 'x', temperature: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'temperature', type: 'invalid_request_error' });
  });

  it('answers malformed JSON, wrong content types, oversized bodies and unknown routes in the same shape', async () => {
    const malformed = await post('{"model": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_json' } });

    const wrongType = await post('model=m', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);
    expectErrorShape(await wrongType.json());

    const large = await post(JSON.stringify({ model: 'm', input: 'x'.repeat(4096) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: { code: 'request_too_large' } });

    const unknownRoute = await fetch(`${server.url}/v1/nothing`);
    expect(unknownRoute.status).toBe(404);
    expectErrorShape(await unknownRoute.json());

    const wrongMethod = await fetch(`${server.url}/v1/responses`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(wrongMethod.status).toBe(404);
    expectErrorShape(await wrongMethod.json());

    const missing = await server.client.responses.retrieve('resp_missing').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('passes an upstream 429 on with its Retry-After', async () => {
    const res = await post(JSON.stringify({ model: 'm', input: 'HTTP 429' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    const streamed = await post(JSON.stringify({ model: 'm', input: 'HTTP 429', stream: true }));
    expect(streamed.status).toBe(429);
    expect(streamed.headers.get('retry-after')).toBe('7');
  });

  it('maps an upstream 404 to model_not_found', async () => {
    const error = await server.client.responses.create({ model: 'missing-model', input: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('ends the response failed on an upstream 5xx, a dropped connection or a timeout, and stores that', async () => {
    for (const [input, code] of [
      ['HTTP 500', 'server_error'],
      ['DROP', 'server_error'],
      ['HANG', 'upstream_timeout'],
    ]) {
      const response = await server.client.responses.create({ model: 'm', input });
      expect(response.status).toBe('failed');
      expect(response.error).toMatchObject({ code, message: expect.any(String) });
      expect((await server.client.responses.retrieve(response.id)).status).toBe('failed');
    }
  });

  it('fails fast with a clear error when the upstream cannot be reached', async () => {
    const offline = await startTestServer({ UPSTREAM_BASE_URL: 'http://127.0.0.1:9/v1' });
    try {
      const response = await offline.client.responses.create({ model: 'm', input: 'x' });
      expect(response.status).toBe('failed');
      expect(response.error).toMatchObject({ code: 'upstream_unavailable' });
    } finally {
      await offline.close();
    }
  });
});

describe('Model routing with MODELS_FILE', () => {
  it('routes exact names and globs to their backends and refuses other models with 404', async () => {
    const first = await startTestServer();
    const file = join(tmpdir(), `models-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        models: [
          { name: 'llama-*', base_url: first.stub.baseURL, upstream_model: 'llama3.1:8b' },
          { name: 'exact', base_url: first.stub.baseURL },
        ],
      }),
    );
    const routed = await startTestServer({ MODELS_FILE: file, UPSTREAM_BASE_URL: '' });
    try {
      const response = await routed.client.responses.create({ model: 'llama-small', input: 'hi' });
      expect(response.model).toBe('llama-small');
      expect(first.stub.requests.at(-1)!.model).toBe('llama3.1:8b');
      await routed.client.responses.create({ model: 'exact', input: 'hi' });
      expect(first.stub.requests.at(-1)!.model).toBe('exact');
      const error = await routed.client.responses.create({ model: 'gpt-unknown', input: 'hi' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    } finally {
      await routed.close();
      await first.close();
    }
  });
});

describe('Tenants', () => {
  it("requires a key when API_KEYS is set and never shows one tenant another tenant's responses", async () => {
    const server = await startTestServer({ API_KEYS: 'key-a=alpha,key-b=beta' });
    try {
      const alpha = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
      const beta = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
      const nobody = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
      const mine = await alpha.responses.create({ model: 'm', input: 'secret' });
      expect((await alpha.responses.retrieve(mine.id)).id).toBe(mine.id);
      await expect(beta.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.responses.inputItems.list(mine.id)).rejects.toMatchObject({ status: 404 });
      await expect(beta.responses.create({ model: 'm', input: 'x', previous_response_id: mine.id })).rejects.toMatchObject({
        status: 400,
        code: 'previous_response_not_found',
      });
      const reference = { type: 'item_reference' as const, id: mine.output[0].id! };
      await expect(beta.responses.create({ model: 'm', input: [reference] })).rejects.toMatchObject({ status: 400, code: 'item_not_found' });
      expect((await alpha.responses.create({ model: 'm', input: [reference] })).status).toBe('completed');
      await expect(nobody.responses.create({ model: 'm', input: 'x' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
