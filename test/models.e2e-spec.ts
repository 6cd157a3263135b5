import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import OpenAI from 'openai';

import { STUB_MODELS } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

describe('Models', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('lists what the upstream serves, as OpenAI lists models', async () => {
    const page = await server.client.models.list();
    expect(page.data).toEqual(STUB_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'stub' })));
  });

  it('retrieves one model, with or without its slash encoded, and 404s a model nobody serves', async () => {
    expect(await server.client.models.retrieve('qwen/qwen3-8b')).toEqual({ id: 'qwen/qwen3-8b', object: 'model', created: 1_700_000_000, owned_by: 'stub' });
    const raw = await fetch(`${server.url}/v1/models/qwen/qwen3-8b`);
    expect(await raw.json()).toMatchObject({ id: 'qwen/qwen3-8b' });

    const missing = await server.client.models.retrieve('gpt-nothing').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });
});

describe('Models with MODELS_FILE', () => {
  it("lists the file's exact names, and what backends behind its globs serve; an unreachable backend lists nothing", async () => {
    const upstream = await startTestServer();
    const file = join(tmpdir(), `models-list-${process.pid}.json`);
    const offline = 'http://127.0.0.1:9/v1';
    writeFileSync(
      file,
      JSON.stringify({
        models: [
          { name: 'llama-*', base_url: upstream.stub.baseURL },
          { name: 'offline-*', base_url: offline },
          { name: 'exact', base_url: upstream.stub.baseURL },
          { name: 'big', base_url: upstream.stub.baseURL, upstream_model: 'llama-70b' },
          { name: 'offline-exact', base_url: offline },
        ],
      }),
    );
    const routed = await startTestServer({ MODELS_FILE: file, UPSTREAM_BASE_URL: '' });
    try {
      const { data } = await routed.client.models.list();
      expect(data.map((model) => model.id)).toEqual(['exact', 'big', 'offline-exact', 'llama-70b']);
      // An alias is dated and owned as its backend lists the model it stands for; a name no backend lists is the server's.
      expect(data.find((model) => model.id === 'big')).toEqual({ id: 'big', object: 'model', created: 1_700_000_000, owned_by: 'stub' });
      expect(data.find((model) => model.id === 'exact')).toMatchObject({ owned_by: 'system', created: expect.any(Number) });
      expect((await routed.client.models.retrieve('llama-70b')).id).toBe('llama-70b');
      await expect(routed.client.models.retrieve('stub-model')).rejects.toMatchObject({ status: 404 });
    } finally {
      await routed.close();
      await upstream.close();
    }
  });
});
