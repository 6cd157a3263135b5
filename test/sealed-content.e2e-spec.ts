import OpenAI from 'openai';

import { ContentSealer } from '../src/secrets/content-sealer';
import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

describe('Compaction items are sealed by the server, for their tenant', () => {
  let db: FreshDatabase;
  let first: TestServer;
  let second: TestServer;
  const keys = { API_KEYS: 'key-a=tenant-a,key-b=tenant-b' };
  beforeAll(async () => {
    db = await createFreshDatabase();
    // Two replicas with no key configured: the first generates one, both use it.
    [first, second] = await Promise.all([startTestServer(keys, db.url), startTestServer(keys, db.url)]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await db.drop();
  });

  const clientOf = (server: TestServer, key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });

  it('hides the summary, opens on every replica for its tenant only, and refuses an altered item', async () => {
    const a = clientOf(first, 'key-a');
    const compacted = await a.responses.compact({ model: 'm', input: [{ role: 'user', content: 'My secret word is teapot.' }] });
    const item = compacted.output.at(-1) as { type: string; encrypted_content: string };
    expect(item.type).toBe('compaction');
    // Not base64 of the summary (the stub's: "Hello! You said: Summarize the conversation…"): nothing of it can be read.
    expect(Buffer.from(item.encrypted_content.replace(/^rs1\./, ''), 'base64').toString('latin1')).not.toContain('Summarize');
    expect(item.encrypted_content).not.toContain('Summarize');

    // Another replica opens it for the same tenant, and the model gets the summary.
    const next = await clientOf(second, 'key-a').responses.create({ model: 'm', input: [item as never, { role: 'user', content: 'What is my word?' }] });
    expect(next.status).toBe('completed');
    const given = second.stub.requests.at(-1)!.messages;
    expect(given.find((message: { role: string }) => message.role === 'system')).toMatchObject({
      content: expect.stringContaining('Hello! You said: Summarize the conversation'),
    });

    // Another tenant cannot use it, nor can anyone alter it.
    await expect(clientOf(first, 'key-b').responses.create({ model: 'm', input: [item as never] })).rejects.toMatchObject({
      status: 400,
      param: 'input[0].encrypted_content',
    });
    const altered = { ...item, encrypted_content: `${item.encrypted_content.slice(0, -4)}AAAA` };
    await expect(a.responses.create({ model: 'm', input: [altered as never] })).rejects.toMatchObject({ status: 400, param: 'input[0].encrypted_content' });
  });

  it('gives a stateless client its reasoning sealed, and reads it back when the client returns it', async () => {
    const a = clientOf(first, 'key-a');
    const answered = await a.responses.create({ model: 'm', input: 'REASON', store: false, include: ['reasoning.encrypted_content'] });
    const reasoning = answered.output.find((item) => item.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.encrypted_content).toMatch(/^rs1\./);
    expect(reasoning.encrypted_content).not.toContain('Thinking');
    // Sent back as Codex does (store: false, the whole history each turn), on another replica, it is read back.
    const history = [
      { role: 'user' as const, content: 'REASON' },
      { ...reasoning, content: undefined },
      ...answered.output.filter((item) => item.type === 'message'),
    ];
    const next = await clientOf(second, 'key-a').responses.create({
      model: 'm',
      input: [...history, { role: 'user', content: 'go on' }] as never,
      store: true,
    });
    expect(next.status).toBe('completed');
    const stored = await clientOf(second, 'key-a').responses.inputItems.list(next.id, { order: 'asc' });
    expect(stored.data.find((item) => (item.type as string) === 'reasoning')).toMatchObject({
      content: [{ type: 'reasoning_text', text: 'Thinking it over.' }],
    });
    // Forged, or another tenant's: refused.
    await expect(clientOf(first, 'key-b').responses.create({ model: 'm', input: history })).rejects.toMatchObject({
      status: 400,
      param: 'input[1].encrypted_content',
    });
    // Without the include, no sealed content.
    const plain = await a.responses.create({ model: 'm', input: 'REASON', store: false });
    expect(plain.output.find((item) => item.type === 'reasoning')).not.toHaveProperty('encrypted_content');
  });

  it('gives replicas that start at the same moment one key', async () => {
    const fresh = await createFreshDatabase();
    const replicas = await Promise.all(Array.from({ length: 4 }, () => startTestServer(keys, fresh.url)));
    try {
      const sealers = replicas.map((replica) => replica.app.get(ContentSealer));
      const sealed = sealers[0].seal('tenant-a', 'test', 'one key for all');
      for (const sealer of sealers) expect(sealer.open('tenant-a', 'test', sealed)).toBe('one key for all');
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await fresh.drop();
    }
  });
});
