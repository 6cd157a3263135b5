import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import OpenAI from 'openai-latest';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { type ServerProcess, spawnServer } from './support/server-process';
import { readFrames, waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';
import { startTestServer, type TestServer } from './support/test-server';

const NODES_DIR = join(__dirname, 'newer-node');
const nodeBinary = (release: string) => join(NODES_DIR, 'node_modules', release, 'bin', 'node');
/** The longest the first install may take (about 375 MB from the registry), and a hook that may run it. */
const INSTALL_MS = 600_000;
const SETUP_MS = INSTALL_MS + 60_000;

/** What test/newer-node pins: Node.js releases (`node22`…, each with its binary) and the clients run by them. */
const PINNED = Object.keys((JSON.parse(readFileSync(join(NODES_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

/** Installs what test/newer-node pins, unless .ci/run (or an earlier run) has. */
const installNodes = () => {
  const installed = PINNED.every((name) => existsSync(/^node\d+$/.test(name) ? nodeBinary(name) : join(NODES_DIR, 'node_modules', name, 'package.json')));
  if (!installed) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NODES_DIR, stdio: 'ignore', timeout: INSTALL_MS });
};

/**
 * The server run by the newest Node.js 22, 24 and 26 (the LTS lines after 20, which ended in April 2026; pinned in
 * test/newer-node, installed there by .ci/run, or here on first use), driven from this process by the SDK. Node's
 * HTTP writes differently from one major to the next (how a response is corked, when it asks for a drain), and the
 * rest of the suite runs on the Node.js that runs jest.
 */
describe.each(['node22', 'node24', 'node26'])('The server on %s', (release) => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  let server: ServerProcess;
  let client: OpenAI;
  beforeAll(async () => {
    installNodes();
    db = await createFreshDatabase();
    stub = await startStubUpstream();
    server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, STREAM_MAX_BUFFER_BYTES: '262144' }, nodeBinary(release));
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  }, SETUP_MS);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    await stub?.close();
    await db?.drop();
  });

  it('runs on that release', async () => {
    const metrics = await fetch(`${server.url}/metrics`).then((res) => res.text());
    const version = execFileSync(nodeBinary(release), ['--version']).toString().trim();
    expect(version.startsWith(`v${release.slice(4)}.`)).toBe(true);
    expect(metrics).toContain(`nodejs_version_info{version="${version}"`);
  });

  it("reads zstd bodies with Node's own zstd, off the event loop, within the body limit", async () => {
    const post = (name: string) =>
      fetch(`${server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'zstd' },
        body: readFileSync(join(__dirname, 'fixtures', name)),
      });
    const read = await post('create-body.json.zst');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ status: 'completed', output: [{ content: [{ text: 'Hello! You said: compressed with zstd' }] }] });
    // A kilobyte that would be 30 MB.
    const tooLarge = await post('zeros-30mb.zst');
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { code: 'request_too_large' } });
  });

  it('streams a response to its terminal event, and its kept-alive connection serves the next one', async () => {
    const stream = client.responses.stream({ model: 'm', input: 'stream me' });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();

    expect(types.at(-1)).toBe('response.completed');
    expect(final.output_text).toBe('Hello! You said: stream me');
    // A body that ended cleanly leaves nothing on the connection: the next request on it is answered.
    expect((await client.responses.create({ model: 'm', input: 'next' })).output_text).toBe('Hello! You said: next');
  });

  it('ends a stream whose upstream fails with response.failed', async () => {
    const types: string[] = [];
    for await (const event of await client.responses.create({ model: 'm', input: 'DROP', stream: true })) types.push(event.type);

    expect(types.at(-1)).toBe('response.failed');
  });

  it('replays a long log to a reader that stops for a while, at its pace, to the end', async () => {
    const created = await client.responses.create({ model: 'm', input: 'TOKENS 10000', background: true, stream: true });
    let id = '';
    for await (const event of created) {
      if (event.type === 'response.created') id = event.response.id;
      break;
    }
    await waitFor(async () => ((await client.responses.retrieve(id)).status === 'completed' ? true : undefined), 15_000);
    const res = await fetch(`${server.url}/v1/responses/${id}?stream=true`);
    // More than the server lets wait for a reader (STREAM_MAX_BUFFER_BYTES) is logged: only a paced replay gets through.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const frames = await readFrames(res);

    expect(frames.length).toBeGreaterThan(10_000);
    expect(frames.at(-1)).toMatch(/^event: response.completed/);
  });
});

/** Runs a client script of test/newer-node under Node 26 (the current LTS) against `serverUrl`; what it printed, parsed. */
const runClient = (script: string, serverUrl: string) =>
  new Promise<unknown>((resolve, reject) =>
    execFile(nodeBinary('node26'), [join(NODES_DIR, script), serverUrl], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    ),
  );

/** The newest clients that ask for Node 22 (the jest process runs the one the server needs), run by Node 26. */
describe('Clients that ask for Node 22', () => {
  let server: TestServer;
  beforeAll(async () => {
    installNodes();
    server = await startTestServer();
  }, SETUP_MS);
  afterAll(() => server.close());

  it('the Vercel AI SDK 7 generates, streams and runs a two-step tool loop against the server', async () => {
    const seen = (await runClient('ai-sdk-7.mjs', server.url)) as {
      generated: { text: string; finishReason: string; responseId: string };
      streamed: { deltas: number; text: string; finishReason: string };
      looped: { parts: string[]; text: string; finishReasons: string[] };
    };

    expect(seen.generated).toEqual({ text: 'Hello! You said: Hi there', finishReason: 'stop', responseId: expect.stringMatching(/^resp_/) });
    expect((await server.client.responses.retrieve(seen.generated.responseId)).output_text).toBe('Hello! You said: Hi there');
    expect(seen.streamed).toEqual({ deltas: expect.any(Number), text: 'Hello! You said: Stream this', finishReason: 'stop' });
    expect(seen.streamed.deltas).toBeGreaterThan(1);
    expect(seen.looped.parts).toEqual(expect.arrayContaining(['tool-call', 'tool-result', 'text-delta', 'finish']));
    expect(seen.looped.parts).not.toContain('error');
    expect(seen.looped).toMatchObject({ text: 'The tool said: sunny in Oslo', finishReasons: ['tool-calls', 'stop'] });
  });

  it("LangChain's @langchain/openai 1.6 answers, streams, runs a bound tool and continues by previous_response_id", async () => {
    const seen = (await runClient('langchain-1.6.mjs', server.url)) as {
      answered: { text: string; id: string; outputTokens: number };
      streamed: { chunks: number; text: string };
      toolLoop: { calls: Array<{ name: string; args: unknown }>; answer: string };
      continued: { text: string; id: string };
    };

    expect(seen.answered).toEqual({ text: 'Hello! You said: Hi there', id: expect.stringMatching(/^resp_/), outputTokens: expect.any(Number) });
    expect(seen.answered.outputTokens).toBeGreaterThan(0);
    expect((await server.client.responses.retrieve(seen.answered.id)).output_text).toBe('Hello! You said: Hi there');
    expect(seen.streamed.text).toBe('Hello! You said: Stream this');
    expect(seen.streamed.chunks).toBeGreaterThan(1);
    expect(seen.toolLoop).toEqual({ calls: [{ name: 'weather', args: { city: 'Oslo' } }], answer: 'The tool said: sunny in Oslo' });
    expect(seen.continued.text).toBe('Hello! You said: What did I say?');
    expect((await server.client.responses.retrieve(seen.continued.id)).previous_response_id).toBe(seen.answered.id);
  });
});
