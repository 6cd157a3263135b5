import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import OpenAI from 'openai-latest';
import { Client } from 'pg';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { spawnServer } from './support/server-process';
import { finishedResponse, waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

interface Received {
  /** Whether the receiver took it (it was not down). */
  accepted: boolean;
  body: string;
  headers: IncomingHttpHeaders;
  path: string;
}

/** A webhook receiver: records every delivery; answers 503 while `down`. */
async function startReceiver(port = 0) {
  const received: Received[] = [];
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ accepted: !state.down, body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, path: req.url! });
      res.writeHead(state.down ? 503 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    received,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const verifier = new OpenAI({ apiKey: 'unused' });

/** The events a receiver took at `path`, verified as the official SDK verifies them. */
async function eventsAt(receiver: Receiver, path: string, secret: string) {
  const events: Array<{ id: string; object: string; created_at: number; type: string; data: { id: string } }> = [];
  for (const delivery of receiver.received.filter((r) => r.accepted && r.path === path)) {
    events.push((await verifier.webhooks.unwrap(delivery.body, delivery.headers, secret)) as unknown as (typeof events)[number]);
  }
  return events;
}

describe('Webhooks for background responses', () => {
  const secret = newSecret();
  let db: FreshDatabase;
  let receiver: Receiver;
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    db = await createFreshDatabase();
    receiver = await startReceiver();
    server = await startTestServer(
      {
        WEBHOOK_URL: `${receiver.url}/deployment`,
        WEBHOOK_SECRET: secret,
        WEBHOOK_RETRY_BASE_MS: '100',
        ADMIN_API_KEY: 'admin-key-0123456789',
        API_KEYS: 'key-a=team-a,key-b=team-b',
      },
      db.url,
    );
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    await db.drop();
  });

  it('sends response.completed, signed so that the official SDK verifies it, for background responses only', async () => {
    const job = await client.responses.create({ model: 'm', input: 'Hello', background: true });
    await finishedResponse(client, job.id);
    const foreground = await client.responses.create({ model: 'm', input: 'Hello' });
    const events = await waitFor(async () => {
      const got = await eventsAt(receiver, '/deployment', secret);
      return got.some((event) => event.data.id === job.id) ? got : undefined;
    });
    const event = events.find((e) => e.data.id === job.id)!;
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      created_at: expect.any(Number),
      type: 'response.completed',
      data: { id: job.id },
    });
    expect(events.some((e) => e.data.id === foreground.id)).toBe(false);
    // A forged or altered delivery does not verify.
    const delivery = receiver.received.find((r) => r.body.includes(job.id))!;
    await expect(verifier.webhooks.unwrap(delivery.body.replace('completed', 'failed'), delivery.headers as Record<string, string>, secret)).rejects.toThrow();
  });

  it('sends response.failed, response.incomplete and response.cancelled', async () => {
    const failed = await client.responses.create({ model: 'm', input: 'HTTP 500', background: true });
    const incomplete = await client.responses.create({ model: 'm', input: 'LENGTH', background: true });
    const running = await client.responses.create({ model: 'm', input: 'TOKENS 200 50', background: true });
    await waitFor(async () => ((await client.responses.retrieve(running.id)).status === 'in_progress' ? true : undefined));
    await client.responses.cancel(running.id);
    const types = await waitFor(async () => {
      const byId = new Map((await eventsAt(receiver, '/deployment', secret)).map((event) => [event.data.id, event.type]));
      const wanted = [byId.get(failed.id), byId.get(incomplete.id), byId.get(running.id)];
      return wanted.every(Boolean) ? wanted : undefined;
    });
    expect(types).toEqual(['response.failed', 'response.incomplete', 'response.cancelled']);
  });

  it('delivers to a tenant its own endpoints, added through the admin API, signed with their own secret', async () => {
    const admin = (path: string, init: RequestInit = {}, key = 'admin-key-0123456789') =>
      fetch(`${server.url}/admin/webhooks${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
      });
    expect((await admin('', {}, 'key-a')).status).toBe(401);
    const created = (await (await admin('', { method: 'POST', body: JSON.stringify({ tenant: 'team-a', url: `${receiver.url}/team-a` }) })).json()) as {
      id: string;
      secret: string;
    };
    expect(created).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      object: 'webhook_endpoint',
      tenant: 'team-a',
      url: `${receiver.url}/team-a`,
      secret: expect.stringMatching(/^whsec_/),
    });
    const listed = (await (await admin('?tenant=team-a')).json()) as { data: unknown[] };
    expect(listed.data).toEqual([
      { id: created.id, object: 'webhook_endpoint', tenant: 'team-a', url: `${receiver.url}/team-a`, created_at: expect.any(Number) },
    ]);

    const teamB = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
    const mine = await client.responses.create({ model: 'm', input: 'Mine', background: true });
    const theirs = await teamB.responses.create({ model: 'm', input: 'Theirs', background: true });
    await finishedResponse(client, mine.id);
    await finishedResponse(teamB, theirs.id);
    const ownEvents = await waitFor(async () => {
      const got = await eventsAt(receiver, '/team-a', created.secret);
      return got.length > 0 ? got : undefined;
    });
    // Once each on the tenant's endpoint and on the deployment's, under one id; never the other tenant's.
    expect(ownEvents.map((event) => event.data.id)).toEqual([mine.id]);
    await waitFor(async () => ((await eventsAt(receiver, '/deployment', secret)).some((event) => event.data.id === theirs.id) ? true : undefined));
    expect((await eventsAt(receiver, '/deployment', secret)).find((event) => event.data.id === mine.id)!.id).toBe(ownEvents[0].id);
    expect((await admin(`/${created.id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('retries a receiver that is down, under the same webhook-id, until it takes the event', async () => {
    receiver.state.down = true;
    const job = await client.responses.create({ model: 'm', input: 'Later', background: true });
    await finishedResponse(client, job.id);
    const attempts = () => receiver.received.filter((r) => r.body.includes(job.id));
    await waitFor(async () => (attempts().length >= 3 ? true : undefined));
    receiver.state.down = false;
    await waitFor(async () => (attempts().length >= 4 && (await eventsAt(receiver, '/deployment', secret)).length ? true : undefined));
    const ids = new Set(attempts().map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/responses_server_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/responses_server_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    // Taken: the outbox holds it as delivered, after as many attempts as the receiver saw.
    const outbox = new Client({ connectionString: db.url });
    await outbox.connect();
    try {
      const delivered = await waitFor(async () => {
        const { rows } = await outbox.query(`SELECT state, attempts FROM webhook_deliveries WHERE response_id = $1`, [job.id]);
        return rows[0]?.state === 'delivered' ? rows : undefined;
      });
      expect(delivered).toEqual([{ state: 'delivered', attempts: attempts().length }]);
    } finally {
      await outbox.end();
    }
  });
});

describe("A tenant's webhook receiver that never answers", () => {
  let db: FreshDatabase;
  let receiver: Receiver;
  let server: TestServer;
  /** Takes each request and never answers it; counts them, and the most it held at once. */
  const blackHole = { server: createServer(() => undefined), requests: 0, open: 0, mostOpen: 0 };
  blackHole.server.on('request', (req) => {
    blackHole.requests += 1;
    blackHole.open += 1;
    blackHole.mostOpen = Math.max(blackHole.mostOpen, blackHole.open);
    req.socket.once('close', () => (blackHole.open -= 1));
  });
  beforeAll(async () => {
    db = await createFreshDatabase();
    receiver = await startReceiver();
    await new Promise<void>((resolve) => blackHole.server.listen(0, '127.0.0.1', resolve));
    server = await startTestServer(
      { WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_RETRY_BASE_MS: '60000', ADMIN_API_KEY: 'admin-key-0123456789', API_KEYS: 'key-a=team-a,key-b=team-b' },
      db.url,
    );
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    blackHole.server.closeAllConnections();
    blackHole.server.close();
    await db.drop();
  });

  it("delays no other tenant's webhooks, and holds only a few deliveries at a time", async () => {
    const endpoint = async (tenant: string, url: string) => {
      const res = await fetch(`${server.url}/admin/webhooks`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-key-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ tenant, url }),
      });
      return ((await res.json()) as { secret: string }).secret;
    };
    await endpoint('team-a', `http://127.0.0.1:${(blackHole.server.address() as AddressInfo).port}/hook`);
    const secretB = await endpoint('team-b', `${receiver.url}/team-b`);
    const teamA = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
    const teamB = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });

    // Forty of team A's webhooks come due, and its receiver is holding some of them.
    const jobsA = await Promise.all(Array.from({ length: 40 }, (_, n) => teamA.responses.create({ model: 'm', input: `A ${n}`, background: true })));
    await Promise.all(jobsA.map((job) => finishedResponse(teamA, job.id)));
    await waitFor(async () => (blackHole.requests >= 4 ? true : undefined));

    const jobB = await teamB.responses.create({ model: 'm', input: 'B', background: true });
    await finishedResponse(teamB, jobB.id);
    const finishedAt = Date.now();
    const [event] = await waitFor(async () => {
      const got = await eventsAt(receiver, '/team-b', secretB);
      return got.length > 0 ? got : undefined;
    });
    // Within the poll's second, not after team A's deliveries time out (3 s each, sixteen at a time before).
    expect(Date.now() - finishedAt).toBeLessThan(2000);
    expect(event).toMatchObject({ type: 'response.completed', data: { id: jobB.id } });
    expect(blackHole.mostOpen).toBe(4);
  });
});

describe('Webhooks across a crash', () => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  beforeAll(async () => {
    db = await createFreshDatabase();
    stub = await startStubUpstream();
  });
  afterAll(async () => {
    await stub.close();
    await db.drop();
  });

  it('delivers the webhook of a response whose replica was killed before it could deliver it', async () => {
    const secret = newSecret();
    const receiver = await startReceiver();
    receiver.state.down = true;
    const env = {
      DATABASE_URL: db.url,
      UPSTREAM_BASE_URL: stub.baseURL,
      WEBHOOK_URL: `${receiver.url}/hook`,
      WEBHOOK_SECRET: secret,
      WEBHOOK_RETRY_BASE_MS: '200',
    };
    const first = await spawnServer(env);
    const job = await first.client.responses.create({ model: 'm', input: 'Before the crash', background: true });
    await waitFor(async () => ((await first.client.responses.retrieve(job.id)).status === 'completed' ? true : undefined));
    await waitFor(async () => (receiver.received.length > 0 ? true : undefined));
    first.kill('SIGKILL');
    await first.exited;
    receiver.state.down = false;
    const second = await spawnServer(env);
    try {
      const events = await waitFor(async () => {
        const got = await eventsAt(receiver, '/hook', secret);
        return got.length > 0 ? got : undefined;
      }, 20_000);
      expect(events).toEqual([expect.objectContaining({ type: 'response.completed', data: { id: job.id } })]);
    } finally {
      second.kill('SIGTERM');
      await second.exited;
      await receiver.close();
    }
  }, 60_000);
});
