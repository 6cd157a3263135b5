import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import OpenAI from 'openai';
import { Client } from 'pg';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const ADMIN_KEY = 'admin-key-for-the-tests-42';

/** API keys the operator makes and revokes (admin API, `npm run keys`), kept hashed, shared by every replica. */
describe('Managed API keys', () => {
  let db: FreshDatabase;
  let first: TestServer;
  let second: TestServer;
  const admin = (server: TestServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/admin/keys${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...init.headers },
    });
  const makeKey = async (server: TestServer, body: Record<string, unknown>) =>
    (await (await admin(server, '', { method: 'POST', body: JSON.stringify(body) })).json()) as { id: string; key: string };
  const clientOf = (server: TestServer, apiKey: string, project?: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, project, maxRetries: 0 });

  beforeAll(async () => {
    db = await createFreshDatabase();
    first = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY }, db.url);
    second = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY }, db.url);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await db.drop();
  });

  it('turns authentication on with the first key, which is shown once and kept only as a hash', async () => {
    // No keys yet: open, as without API_KEYS.
    expect((await first.client.responses.create({ model: 'm', input: 'Hi' })).status).toBe('completed');
    const made = await makeKey(first, { tenant: 'team-a', name: 'ci' });
    expect(made).toMatchObject({
      id: expect.stringMatching(/^key_/),
      object: 'api_key',
      tenant: 'team-a',
      name: 'ci',
      revoked_at: null,
      key: expect.stringMatching(/^sk-rs-/),
    });
    await waitFor(async () => ((await fetch(`${second.url}/v1/models`)).status === 401 ? true : undefined), 3000);
    await expect(first.client.responses.create({ model: 'm', input: 'Hi' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const response = await clientOf(second, made.key).responses.create({ model: 'm', input: 'Hi' });
    expect(response.status).toBe('completed');
    // Listed without the key; the database holds no trace of it.
    const listed = (await (await admin(first, '?tenant=team-a')).json()) as { data: Array<Record<string, unknown>> };
    expect(listed.data).toEqual([expect.objectContaining({ id: made.id, tenant: 'team-a' })]);
    expect(listed.data[0]).not.toHaveProperty('key');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM api_keys a WHERE a::text LIKE $1`, [`%${made.key.slice(-20)}%`]);
    await pg.end();
    expect(rows[0].n).toBe(0);
  });

  it("keeps each tenant to its own objects, and refuses an OpenAI-Project that is not the key's tenant", async () => {
    const a = await makeKey(first, { tenant: 'team-a' });
    const b = await makeKey(first, { tenant: 'team-b' });
    const created = await clientOf(first, a.key).responses.create({ model: 'm', input: 'Mine' });
    await expect(clientOf(second, b.key).responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(clientOf(first, a.key, 'team-b').responses.create({ model: 'm', input: 'Hi' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_project',
    });
    expect((await clientOf(first, a.key, 'team-a').responses.create({ model: 'm', input: 'Hi' })).status).toBe('completed');
  });

  it('refuses a revoked key on every replica within a second', async () => {
    const made = await makeKey(first, { tenant: 'team-c' });
    // Both replicas have checked (and remember) the key.
    await clientOf(first, made.key).models.list();
    await clientOf(second, made.key).models.list();
    const revoked = await (await admin(first, `/${made.id}`, { method: 'DELETE' })).json();
    const at = Date.now();
    expect(revoked).toMatchObject({ id: made.id, revoked_at: expect.any(Number) });
    await expect(clientOf(first, made.key).models.list()).rejects.toMatchObject({ status: 401 });
    await waitFor(
      async () => ((await fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer ${made.key}` } })).status === 401 ? true : undefined),
      1000,
      20,
    );
    expect(Date.now() - at).toBeLessThan(1000);
  });

  it("applies a key's own rate limit", async () => {
    const made = await makeKey(first, { tenant: 'team-d', rpm: 1 });
    const client = clientOf(first, made.key);
    await client.responses.create({ model: 'm', input: 'one' });
    await expect(client.responses.create({ model: 'm', input: 'two' })).rejects.toMatchObject({ status: 429 });
  });

  it('makes, lists and revokes keys with npm run keys', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'src/auth/keys-cli.ts', ...args], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: db.url },
      });
    const made = JSON.parse((await cli('create', '--tenant', 'team-e', '--rpm', '600')).stdout) as { id: string; key: string; rpm: number };
    expect(made).toMatchObject({ tenant: 'team-e', rpm: 600, key: expect.stringMatching(/^sk-rs-/) });
    expect((await clientOf(second, made.key).responses.create({ model: 'm', input: 'Hi' })).status).toBe('completed');
    const listed = JSON.parse((await cli('list', '--tenant', 'team-e')).stdout) as Array<{ id: string }>;
    expect(listed.map((key) => key.id)).toEqual([made.id]);
    await cli('revoke', made.id);
    await waitFor(
      async () => ((await fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer ${made.key}` } })).status === 401 ? true : undefined),
      2000,
    );
    await expect(cli('create')).rejects.toMatchObject({ code: 2 });
  }, 30_000);

  it('keeps the admin API to the admin key', async () => {
    const made = await makeKey(first, { tenant: 'team-f' });
    const asTenant = await fetch(`${first.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' },
      body: '{"tenant":"x"}',
    });
    expect(asTenant.status).toBe(401);
    expect((await fetch(`${first.url}/admin/keys`)).status).toBe(401);
  });
});
