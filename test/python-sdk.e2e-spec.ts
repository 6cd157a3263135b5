import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { startTestServer, type TestServer } from './support/test-server';

const ROOT = join(__dirname, '..');
const VENV = join(ROOT, '.data', 'python-sdk');
const PYTHON = join(VENV, 'bin', 'python');

/** Python 3 with venv, which these tests need (npm test runs everywhere else without them, and says so). */
const python3 = (() => {
  const found = spawnSync('python3', ['-c', 'import venv'], { stdio: 'ignore' });
  return found.status === 0;
})();
if (!python3) console.warn('python-sdk.e2e-spec: no python3 with venv on this machine; the Python SDK tests are skipped.');

/** The newest official Python SDK (test/python/requirements.txt) against a live server: the README's examples and the stream helper. */
(python3 ? describe : describe.skip)('The official Python SDK', () => {
  jest.setTimeout(300_000);
  let db: FreshDatabase;
  let server: TestServer;
  beforeAll(async () => {
    if (!existsSync(PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'ignore' });
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '-q', '--retries', '0', '-r', join(__dirname, 'python', 'requirements.txt')], {
      stdio: 'ignore',
      timeout: 600_000,
    });
    db = await createFreshDatabase();
    server = await startTestServer({ STREAM_HEARTBEAT_MS: '100' }, db.url);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  /** Runs a Python file against the server (in-process: never block the event loop); resolves with what it printed. */
  function run(script: string, ...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(PYTHON, [script, ...args], {
        cwd: ROOT,
        env: { ...process.env, OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: 'test-key', MODEL: 'stub-model' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}:\n${stdout}\n${stderr}`))));
    });
  }

  it("streams with the SDK's stream helper, through heartbeats, and runs a tool call and its continuation", async () => {
    // An idle stream's heartbeats (every 100 ms here) must not trouble the helper.
    const result = JSON.parse(await run(join(__dirname, 'python', 'stream_helper.py')));
    expect(result).toEqual({ deltas: 't0 t1 t2 t3 ', text: 't0 t1 t2 t3 ', call: 'get_time', answer: 'The tool said: 18:42' });
  });

  it('runs the README examples', async () => {
    expect(await run('examples/responses_api/streaming_chat.py', 'Tell me a joke')).toBe('Hello! You said: Tell me a joke\n');
    expect(await run('examples/responses_api/tool_calls.py')).toMatch(/^response resp_\w+ asked for tool call call_\w+\nThe tool said: It is 18:42 UTC.\n$/);
    expect(await run('examples/responses_api/background.py', 'TOKENS 3 10')).toMatch(/^queued resp_\w+\n[\s\S]*completed\nt0 t1 t2 \n$/);
    expect(await run('examples/responses_api/conversation.py', 'My name is Ada.', 'What is my name?')).toContain(
      '[assistant] Hello! You said: What is my name?',
    );
  });
});
