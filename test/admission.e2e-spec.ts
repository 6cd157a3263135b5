import { connect, type Socket } from 'node:net';

import OpenAI from 'openai';

import { adminQuery, createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { type ServerProcess, spawnServer } from './support/server-process';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';

/** Enough creates at once to keep the server's core busy for a second or two. */
const FLOOD = 1200;

describe('A flood of requests from one API key', () => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  let server: ServerProcess;
  beforeAll(async () => {
    db = await createFreshDatabase();
    stub = await startStubUpstream();
    // A process of its own, as deployed: the flood meets the server's event loop, not this one's.
    server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, API_KEYS: 'key-a=tenant-a,key-b=tenant-b', SHUTDOWN_GRACE_MS: '0' });
  }, 60_000);
  afterAll(async () => {
    server.kill('SIGTERM');
    await server.exited;
    await stub.close();
    await db.drop();
  }, 60_000);

  /**
   * Writes FLOOD creates at once, as an attacker sends them, on connections opened beforehand, then another tenant's
   * create right behind them, on a connection opened beforehand too (a client opening its connection only then would
   * reach the server later, by a time this process's own speed decides). Resolves with every answer, in the order they
   * came, the other tenant's marked.
   */
  async function floodThenQuick(floodKey: (index: number) => string): Promise<{ order: string[]; quick: string; flood: string[] }> {
    const { port } = new URL(server.url);
    const sockets = await Promise.all(Array.from({ length: FLOOD + 1 }, () => connected(Number(port))));
    const order: string[] = [];
    const answers = sockets.map((socket, index) => answerOf(socket).then((answer) => (order.push(index === FLOOD ? 'quick' : 'flood'), answer)));
    sockets.slice(0, FLOOD).forEach((socket, index) => socket.write(rawCreate(floodKey(index), `flood ${index}`)));
    sockets[FLOOD].write(rawCreate('key-b', 'quick'));
    const all = await Promise.all(answers);
    return { order, quick: all[FLOOD], flood: all.slice(0, FLOOD) };
  }

  it("from one tenant waits behind itself: another tenant's request sent right after it is answered before most of it, and every flooded request is answered and stored", async () => {
    const { quick, flood } = await floodThenQuick(() => 'key-a');
    expect(flood.map(statusLine)).toEqual(flood.map(() => 'HTTP/1.1 200 OK'));
    const quickId = /"id":"(resp_[0-9a-f]+)"/.exec(quick)![1];
    const other = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
    expect((await other.responses.retrieve(quickId)).status).toBe('completed');

    // The order in which the server stored them (each row is written once, as its response completes; rows committed
    // together count as before it), not the order in which this process read the answers.
    const [{ before, stored }] = await adminQuery<{ before: number; stored: number }>(
      db.url,
      `SELECT count(*) FILTER (WHERE updated_at <= (SELECT updated_at FROM responses WHERE id = $1))::int AS before,
              count(*) FILTER (WHERE status = 'completed')::int AS stored
       FROM responses WHERE tenant_id = 'tenant-a'`,
      [quickId],
    );
    // With admission off (ADMISSION_SLICE_MS=0) it came after 911–1,200 of the 1,200; with it, after 5–7 (also with
    // this process slowed, and with both cores taken by other work).
    expect(before).toBeLessThan(FLOOD / 4);
    expect(stored).toBe(FLOOD);
  }, 120_000);

  it("with made-up keys, each request its own, waits in one line: a tenant's request sent right after it is answered before most of it", async () => {
    const { order, quick, flood } = await floodThenQuick((index) => `made-up-${index}`);
    expect(flood.map(statusLine)).toEqual(flood.map(() => 'HTTP/1.1 401 Unauthorized'));
    expect(statusLine(quick)).toBe('HTTP/1.1 200 OK');
    // When each made-up key had a line of its own, the tenant's request was answered after all 1,200 refusals; now after
    // 20–23 of them.
    expect(order.indexOf('quick')).toBeLessThan(FLOOD / 4);
  }, 120_000);
});

function statusLine(answer: string): string {
  return answer.slice(0, answer.indexOf('\r\n'));
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends back on `socket` until it closes the connection. */
function answerOf(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('end', () => resolve(answer));
    socket.once('error', reject);
  });
}

function rawCreate(apiKey: string, input: string): string {
  const body = JSON.stringify({ model: 'm', input });
  return [
    'POST /v1/responses HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${apiKey}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
