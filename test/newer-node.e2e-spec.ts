import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import OpenAI from 'openai-latest';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { type ServerProcess, spawnServer } from './support/server-process';
import { readFrames, waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream';

const NODES_DIR = join(__dirname, 'newer-node');
const nodeBinary = (release: string) => join(NODES_DIR, 'node_modules', release, 'bin', 'node');

/**
 * The server run by the newest Node.js 22 and 24 (pinned in test/newer-node, installed there by .ci/run, or here on
 * first use), driven from this process by the SDK. Node's HTTP writes differently from one major to the next (how a
 * response is corked, when it asks for a drain), and the rest of the suite runs on the Node.js that runs jest.
 */
describe.each(['node22', 'node24'])('The server on %s', (release) => {
  let db: FreshDatabase;
  let stub: StubUpstream;
  let server: ServerProcess;
  let client: OpenAI;
  beforeAll(async () => {
    if (!existsSync(nodeBinary(release))) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NODES_DIR, stdio: 'ignore', timeout: 600_000 });
    db = await createFreshDatabase();
    stub = await startStubUpstream();
    server = await spawnServer({ DATABASE_URL: db.url, UPSTREAM_BASE_URL: stub.baseURL, STREAM_MAX_BUFFER_BYTES: '262144' }, nodeBinary(release));
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  }, 120_000);
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
