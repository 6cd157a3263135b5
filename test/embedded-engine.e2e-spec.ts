import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createFreshDatabase, type FreshDatabase } from './support/fresh-database';
import { writeTinyModel } from './support/gguf/tiny-model';
import { type ServerProcess, spawnServer } from './support/server-process';
import { type StreamEvent, waitFor } from './support/sse';

/**
 * Tokens of a ChatML prompt in the tiny models' byte vocabulary: BOS, then per turn `<|im_start|>`, one token per
 * byte of "role\ncontent", `<|im_end|>` and "\n", then `<|im_start|>` and "assistant\n" for the reply.
 */
const chatmlTokens = (turns: Array<[string, string]>) =>
  1 + turns.reduce((sum, [role, content]) => sum + 1 + Buffer.byteLength(`${role}\n${content}`) + 2, 0) + 1 + 'assistant\n'.length;

const GET_TIME = {
  type: 'function' as const,
  name: 'get_time',
  description: 'The current time in a time zone',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
  strict: false,
};

/** A server process on `db` whose MODELS_FILE routes these tiny models (written into `dir`) to the embedded engine. */
async function startEmbeddedServer(db: FreshDatabase, dir: string, models: Array<{ name: string; model_path: string }>, env: Record<string, string>) {
  const modelsFile = join(dir, 'models.json');
  writeFileSync(modelsFile, JSON.stringify({ models: models.map((model) => ({ type: 'embedded', ...model })) }));
  return spawnServer({ DATABASE_URL: db.url, MODELS_FILE: modelsFile, LLAMA_GPU: 'false', LLAMA_THREADS: '1', SHUTDOWN_GRACE_MS: '0', ...env });
}

/**
 * The embedded engine (node-llama-cpp, prebuilt CPU binary) on tiny GGUF models built by the test: each answers a
 * scripted reply, so that what the API returns can be checked exactly. The server runs as its own process, as
 * `npm start` would.
 */
describe('Embedded engine', () => {
  jest.setTimeout(60_000);
  let db: FreshDatabase;
  let server: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'tiny-models-'));

  beforeAll(async () => {
    db = await createFreshDatabase();
    server = await startEmbeddedServer(
      db,
      dir,
      [
        { name: 'tiny-chat', model_path: writeTinyModel(join(dir, 'chat.gguf'), { reply: ['Hi', ' there', ',', ' friend', '!'] }) },
        {
          name: 'tiny-tools',
          model_path: writeTinyModel(join(dir, 'tools.gguf'), {
            firstTurn: ['||call: ', 'get_time', '(', '{"timezone":"UTC"}', ')'],
            reply: ['It', ' is', ' 18:42', ' UTC.'],
            signal: '0123456789',
          }),
        },
        { name: 'tiny-json', model_path: writeTinyModel(join(dir, 'json.gguf'), { reply: ['{"answer":', '"ok"', '}'] }) },
        { name: 'tiny-endless', model_path: writeTinyModel(join(dir, 'endless.gguf'), { reply: ['la', ' di', ' da'], loop: true }) },
      ],
      { LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048' },
    );
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    await db.drop();
  });

  it('lists its embedded models by the names the models file gives them', async () => {
    const { data } = await server.client.models.list();
    expect(data.map((model) => model.id)).toEqual(['tiny-chat', 'tiny-tools', 'tiny-json', 'tiny-endless']);
    expect(data.every((model) => model.object === 'model' && model.owned_by === 'embedded')).toBe(true);
  });

  it('streams the reply as the model produces it, with usage in real tokens', async () => {
    const stream = await server.client.responses.create({ model: 'tiny-chat', input: 'Say hello', stream: true });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas).toEqual(['Hi', ' there', ',', ' friend', '!']);
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    expect(completed.response.output_text ?? completed.response.output[0].content[0].text).toBe('Hi there, friend!');

    const counted = await server.client.responses.inputTokens.count({ model: 'tiny-chat', input: 'Say hello' });
    expect(completed.response.usage.input_tokens).toBe(counted.input_tokens);
    expect(counted.input_tokens).toBe(chatmlTokens([['user', 'Say hello']]));
    expect(completed.response.usage.output_tokens).toBeGreaterThanOrEqual(5);
  });

  it('renders instructions and previous responses through the chat template', async () => {
    const first = await server.client.responses.create({ model: 'tiny-chat', input: 'Hello' });
    expect(first.output_text).toBe('Hi there, friend!');
    const second = await server.client.responses.create({ model: 'tiny-chat', input: 'Again', instructions: 'Be brief.', previous_response_id: first.id });
    expect(second.output_text).toBe('Hi there, friend!');
    expect(first.usage!.input_tokens).toBe(chatmlTokens([['user', 'Hello']]));
    // The second prompt holds the new instructions, the first exchange and the new turn.
    expect(second.usage!.input_tokens).toBe(
      chatmlTokens([
        ['system', 'Be brief.'],
        ['user', 'Hello'],
        ['assistant', 'Hi there, friend!'],
        ['user', 'Again'],
      ]),
    );
  });

  it('hands function calls back to the client and answers with their output (previous_response_id)', async () => {
    const asked = await server.client.responses.create({ model: 'tiny-tools', input: 'What time is it?', tools: [GET_TIME] });
    const call = asked.output[0];
    expect(call).toMatchObject({ type: 'function_call', name: 'get_time', arguments: '{"timezone":"UTC"}', status: 'completed' });
    expect(asked.output).toHaveLength(1);
    if (call.type !== 'function_call') throw new Error('expected a function call');

    const answered = await server.client.responses.create({
      model: 'tiny-tools',
      previous_response_id: asked.id,
      tools: [GET_TIME],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'It is 18:42 UTC.' }],
    });
    expect(answered.output_text).toBe('It is 18:42 UTC.');
  });

  it('continues in place with submit_tool_outputs', async () => {
    const stream = await server.client.responses.create({ model: 'tiny-tools', input: 'What time is it?', tools: [GET_TIME], stream: true });
    let responseId = '';
    let callId = '';
    for await (const event of stream) {
      if (event.type === 'response.created') responseId = event.response.id;
      if (event.type === 'response.output_item.done' && event.item.type === 'function_call') callId = event.item.call_id;
    }
    expect(callId).toMatch(/^call_/);
    await server.client.post(`/responses/${responseId}/submit_tool_outputs`, {
      body: { tool_call_id: callId, output: [{ type: 'output_text', text: 'It is 18:42 UTC.' }] },
    });
    const final = await server.client.responses.retrieve(responseId);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('It is 18:42 UTC.');
  });

  it('enforces text.format json_schema with a grammar', async () => {
    const response = await server.client.responses.create({
      model: 'tiny-json',
      input: 'Answer in JSON',
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ answer: 'ok' });
  });

  it('stops at max_output_tokens with status incomplete', async () => {
    const response = await server.client.responses.create({ model: 'tiny-endless', input: 'Sing', max_output_tokens: 16 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.usage!.output_tokens).toBe(16);
    expect(response.output_text.startsWith('la di da')).toBe(true);
  });

  it('runs background jobs, and cancel stops a generation midway', async () => {
    const job = await server.client.responses.create({ model: 'tiny-chat', input: 'Hello', background: true });
    const done = await waitFor(async () => {
      const now = await server.client.responses.retrieve(job.id);
      return now.status === 'completed' ? now : undefined;
    });
    expect(done.output_text).toBe('Hi there, friend!');

    // Followed until it has generated its first token (leaving a background stream does not cancel the response).
    const endless = await server.client.responses.create({ model: 'tiny-endless', input: 'Sing forever', background: true, stream: true });
    let id = '';
    for await (const event of endless) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') break;
    }
    const started = Date.now();
    const cancelled = await server.client.responses.cancel(id);
    expect(cancelled.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('queues requests beyond its sequences, and frees a sequence when a client disconnects', async () => {
    // Two sequences: both taken by streams that the clients then abandon.
    for (let i = 0; i < 2; i++) {
      const stream = await server.client.responses.create({ model: 'tiny-endless', input: 'Sing', stream: true });
      for await (const event of stream) if (event.type === 'response.output_text.delta') break;
    }
    // Four requests at once on the two freed sequences: all are served.
    const answers = await Promise.all(Array.from({ length: 4 }, () => server.client.responses.create({ model: 'tiny-chat', input: 'Hello' })));
    expect(answers.map((a) => a.output_text)).toEqual(Array(4).fill('Hi there, friend!'));
  });
});

describe('Embedded engine with a model that never stops', () => {
  jest.setTimeout(60_000);
  let db: FreshDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createFreshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'tiny-models-'));
    const endless = writeTinyModel(join(dir, 'endless.gguf'), { reply: ['la', ' di', ' da'], loop: true });
    server = await startEmbeddedServer(db, dir, [{ name: 'tiny-endless', model_path: endless }], {
      LLAMA_SEQUENCES: '1',
      LLAMA_CONTEXT_SIZE: '512',
      MAX_OUTPUT_CHARS: '2048',
    });
  });
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    await db.drop();
  });

  it('stops it at MAX_OUTPUT_CHARS, past its context (which it shifts), with status incomplete', async () => {
    const response = await server.client.responses.create({ model: 'tiny-endless', input: 'Sing' });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text.length).toBeGreaterThan(2048);
    expect(response.output_text.length).toBeLessThan(2048 + 16);
  });
});

describe('Embedded engine with nothing configured and no network', () => {
  it('fails fast at start-up, saying what to set instead', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL,
        PORT: '0',
        LLAMA_GPU: 'false',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'no-model-')),
        UPSTREAM_BASE_URL: '',
        MODELS_FILE: '',
        MODEL_PATH: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('Could not load the embedded model hf:');
    expect(output).toContain('Set UPSTREAM_BASE_URL');
    expect(output).toContain('MODEL_PATH');
  }, 60_000);
});
