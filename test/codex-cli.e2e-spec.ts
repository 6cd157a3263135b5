import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startTestServer, type TestServer } from './support/test-server';

const CODEX_DIR = join(__dirname, 'codex');
const CODEX = join(CODEX_DIR, 'node_modules', '.bin', 'codex');

const PATCH = '*** Begin Patch\n*** Update File: hello.txt\n@@\n-hello\n+hello, patched\n*** End Patch\n';

/**
 * OpenAI's Codex CLI, pinned in test/codex (installed there by .ci/run, or here on first use: its package ships a
 * ~400 MB binary, kept out of the project's own install), with nothing but a model provider in its config.toml,
 * against the server over the scripted stub upstream: it runs a shell command and applies a patch through its
 * tools, then finishes the task.
 */
describe('Codex CLI', () => {
  jest.setTimeout(300_000);
  let server: TestServer;
  let home: string;

  beforeAll(async () => {
    if (!existsSync(CODEX)) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: CODEX_DIR, stdio: 'ignore', timeout: 600_000 });
    server = await startTestServer();
    // Not under the system's temporary folder: Codex puts its apply_patch helper on PATH only from a home elsewhere.
    home = join(__dirname, '..', '.data', `codex-home-${process.pid}`);
    await mkdir(home, { recursive: true });
    writeFileSync(
      join(home, 'config.toml'),
      [
        '[model_providers.local]',
        'name = "responses-server"',
        `base_url = "${server.url}/v1"`,
        'env_key = "RESPONSES_SERVER_KEY"',
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** `codex exec` of a scripted task in a fresh folder; resolves with the folder and what Codex printed. */
  function runCodex(
    model: string,
    steps: Array<{ name: string; arguments: Record<string, string> }>,
  ): Promise<{ folder: string; output: string; code: number | null }> {
    const folder = mkdtempSync(join(tmpdir(), 'codex-task-'));
    const args = [
      'exec',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-c',
      'model_provider="local"',
      '-m',
      model,
      `STEPS ${JSON.stringify(steps)}`,
    ];
    return new Promise((resolve) => {
      const child = spawn(CODEX, args, {
        cwd: folder,
        env: { ...process.env, CODEX_HOME: home, RESPONSES_SERVER_KEY: 'not-needed' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => resolve({ folder, output, code }));
    });
  }

  it('runs a shell command and applies a patch with a generic model name, through its shell tool', async () => {
    const { folder, output, code } = await runCodex('llama-70b', [
      { name: 'exec_command', arguments: { cmd: "printf 'hello\\n' > hello.txt" } },
      { name: 'exec_command', arguments: { cmd: `apply_patch <<'EOF'\n${PATCH}EOF` } },
    ]);
    expect({ code, tail: output.slice(-400) }).toMatchObject({ code: 0 });
    expect(readFileSync(join(folder, 'hello.txt'), 'utf8')).toBe('hello, patched\n');
    expect(output).toContain('All done.');
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs a shell command and applies a patch with a Codex-family model, apply_patch arriving as a custom tool', async () => {
    const { folder, output, code } = await runCodex('gpt-5.5', [
      { name: 'exec_command', arguments: { cmd: "printf 'hello\\n' > hello.txt" } },
      { name: 'apply_patch', arguments: { input: PATCH } },
    ]);
    expect({ code, tail: output.slice(-400) }).toMatchObject({ code: 0 });
    expect(readFileSync(join(folder, 'hello.txt'), 'utf8')).toBe('hello, patched\n');
    expect(output).toContain('All done.');
    // apply_patch was offered as a function of one input, from a custom tool.
    const offered = server.stub.requests.at(-1)!.tools.find((tool: { function: { name: string } }) => tool.function.name === 'apply_patch');
    expect(offered.function.parameters).toMatchObject({ required: ['input'] });
    rmSync(folder, { recursive: true, force: true });
  });
});
