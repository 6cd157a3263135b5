import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

import OpenAI from 'openai';
import WebSocket from 'ws';

import { waitFor } from './support/sse';
import { startTestServer, type TestServer } from './support/test-server';

const KB = 1024;
/** BODY_LIMIT 1mb and CLIENT_BUFFER_LIMIT 3mb: each tenant may hold 1 MB for its slow I/O, all of them 3 MB. */
const ENV = { BODY_LIMIT: '1mb', CLIENT_BUFFER_LIMIT: '3mb', API_KEYS: 'key-a=a,key-b=b,key-c=c,key-d=d,key-e=e' };

/** What `/metrics` says the server at `url` holds for its clients, for bodies still arriving or answers not yet read. */
async function bufferedBytes(url: string, heldFor: 'body' | 'answer'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^responses_server_client_buffer_bytes\\{held_for="${heldFor}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/** A create whose body is about `bytes` long. */
const createOf = (bytes: number) => ({ model: 'stub-model', input: `echo ${'x'.repeat(bytes)}` });

describe('Clients that stall in the middle of their bodies', () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer(ENV);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await heldUntil((held) => held === 0);
  });
  afterAll(() => server.close());

  const clientOf = (key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
  const heldBytes = () => bufferedBytes(server.url, 'body');
  /** Waits until what the process holds meets `check`. */
  const heldUntil = (check: (held: number) => boolean) => waitFor(async () => (check(await heldBytes()) ? true : undefined));
  /** Sends `sent` bytes of `body` as a create of `key`'s, and no more. */
  const stall = (key: string, body: Buffer, sent: number, encoding = 'identity') => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    sockets.push(socket);
    socket.write(
      `POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
        `Content-Encoding: ${encoding}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, sent));
    return socket;
  };
  const bodyOf = (bytes: number) => Buffer.from(JSON.stringify(createOf(bytes)));

  it("hold at most their tenant's share: its next body is a 429 with Retry-After, and other tenants are answered", async () => {
    // Tenant a sends 600 KB of each of five bodies of 900 KB: 3 MB, of which its share keeps 600 KB at most.
    for (let i = 0; i < 5; i++) stall('key-a', bodyOf(900 * KB), 600 * KB);
    await heldUntil((held) => held >= 600 * KB);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await heldBytes()).toBeLessThanOrEqual(1024 * KB);

    const refused = await clientOf('key-a')
      .responses.create(createOf(500 * KB))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused).toMatchObject({ status: 429, code: 'too_many_uploads', type: 'rate_limit_error' });
    expect((refused as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');

    const answered = await clientOf('key-b').responses.create(createOf(500 * KB));
    expect(answered.status).toBe('completed');
  });

  it('hold what a gzip body inflates to (a few KB sent), and give it back when the client goes away', async () => {
    const compressed = gzipSync(bodyOf(900 * KB));
    expect(compressed.length).toBeLessThan(10 * KB);
    // All but gzip's 8-byte trailer: the whole body is inflated, and the request is not complete.
    const socket = stall('key-c', compressed, compressed.length - 8, 'gzip');
    await heldUntil((held) => held >= 900 * KB);
    await expect(clientOf('key-c').responses.create(createOf(300 * KB))).rejects.toMatchObject({ status: 429, code: 'too_many_uploads' });

    socket.destroy();
    await heldUntil((held) => held === 0);
    expect((await clientOf('key-c').responses.create(createOf(300 * KB))).status).toBe('completed');
  });

  it("hold at most CLIENT_BUFFER_LIMIT in all: past it, a body of any tenant's is a 503 with Retry-After", async () => {
    for (const key of ['key-a', 'key-c', 'key-d']) stall(key, bodyOf(950 * KB), 900 * KB);
    await heldUntil((held) => held >= 3 * 900 * KB);
    const refused = await clientOf('key-e')
      .responses.create(createOf(500 * KB))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect(refused).toMatchObject({ status: 503, code: 'server_overloaded' });
    expect((refused as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
    // A small body still fits.
    expect((await clientOf('key-e').responses.create(createOf(10 * KB))).status).toBe('completed');
  });

  it("hold a WebSocket message's bytes as a body's: past the share the connection closes (1013), and another tenant's messages run", async () => {
    const open = async (key: string) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/responses`, { headers: { Authorization: `Bearer ${key}` } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return ws;
    };
    // Tenant a starts a message of 900 KB and sends 800 KB of it (a masked text frame, its mask all zeros).
    const stalled = await open('key-a');
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(900 * KB), 2);
    (stalled as unknown as { _socket: Socket })._socket.write(Buffer.concat([header, Buffer.alloc(800 * KB, 'x')]));
    await heldUntil((held) => held >= 800 * KB);

    const second = await open('key-a');
    const closed = new Promise<number>((resolve) => second.once('close', resolve));
    second.send(JSON.stringify({ type: 'response.create', ...createOf(400 * KB) }));
    expect(await closed).toBe(1013);

    const other = await open('key-b');
    const events: Array<{ type: string }> = [];
    const done = new Promise<void>((resolve) =>
      other.on('message', (data: Buffer) => {
        const event = JSON.parse(data.toString()) as { type: string };
        events.push(event);
        if (event.type === 'response.completed' || event.type === 'error') resolve();
      }),
    );
    other.send(JSON.stringify({ type: 'response.create', ...createOf(400 * KB) }));
    await done;
    expect(events.at(-1)?.type).toBe('response.completed');

    for (const ws of [stalled, second, other]) ws.terminate();
  });
});

describe('Clients that do not read their answers', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Each tenant may leave 20 MB unread (BODY_LIMIT's), all of them 40 MB.
    server = await startTestServer({ CLIENT_BUFFER_LIMIT: '40mb', API_KEYS: 'key-a=a,key-b=b' });
  });
  afterAll(() => server.close());

  const unreadBytes = () => bufferedBytes(server.url, 'answer');
  /** Asks for `path` as `key` and reads nothing until told to: then answers how many body bytes came, and how many were due. */
  const unreadAnswer = (path: string, key: string) => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.pause();
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    return {
      readAll: () =>
        new Promise<{ received: number; due: number }>((resolve) => {
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          // The answer ends there: the server closes the connection only when it cuts the reader off.
          const timer = setTimeout(() => socket.destroy(), 3_000);
          socket.on('close', () => {
            clearTimeout(timer);
            const raw = Buffer.concat(chunks);
            const headerEnd = raw.indexOf('\r\n\r\n');
            const due = Number(/content-length: (\d+)/i.exec(raw.subarray(0, headerEnd).toString())?.[1]);
            resolve({ received: raw.length - headerEnd - 4, due });
          });
          socket.resume();
        }),
    };
  };

  it("hold at most their tenant's share: past it a reader is cut off, and another tenant's large answers are read whole", async () => {
    const client = (key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const [a, b] = await Promise.all(
      ['key-a', 'key-b'].map((key) => client(key).responses.create({ model: 'stub-model', input: 'x'.repeat(15 * 1024 * 1024) })),
    );
    const readers = Array.from({ length: 8 }, () => unreadAnswer(`/v1/responses/${a.id}/input_items`, 'key-a'));
    await waitFor(async () => ((await unreadBytes()) > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Eight answers of 15 MB wait for readers that read nothing; the process keeps at most the tenant's share of them.
    expect(await unreadBytes()).toBeLessThanOrEqual(20 * 1024 * 1024);

    const page = await client('key-b').responses.inputItems.list(b.id);
    expect(JSON.stringify(page.data).length).toBeGreaterThan(15 * 1024 * 1024);

    const answers = await Promise.all(readers.map((reader) => reader.readAll()));
    const whole = answers.filter(({ received, due }) => received === due);
    expect(whole.length).toBeGreaterThan(0);
    expect(whole.length).toBeLessThan(answers.length);
    await waitFor(async () => ((await unreadBytes()) === 0 ? true : undefined));
  });
});
