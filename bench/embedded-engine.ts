/**
 * The embedded engine through the API against node-llama-cpp called directly on the same tiny model, interleaved
 * run by run: time to first token and tokens per second, so that what the API adds is visible.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type OpenAI from 'openai';

import { importEsm } from '../src/common/import-esm';
import { writeTinyModel } from '../test/support/gguf/tiny-model';
import { machine, packageVersion, percentile, startBenchServer, writeSection } from './support';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const TOKENS = 256;

interface Sample {
  ttftMs: number;
  tokensPerSecond: number;
}

function sample(start: number, first: number, end: number, tokens: number): Sample {
  return { ttftMs: first - start, tokensPerSecond: tokens / ((end - start) / 1000) };
}

async function viaApi(client: OpenAI): Promise<Sample> {
  const start = performance.now();
  let first = 0;
  let tokens = 0;
  const stream = await client.responses.create({ model: 'tiny', input: 'Sing', max_output_tokens: TOKENS, stream: true });
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta' && !first) first = performance.now();
    if (event.type === 'response.incomplete' || event.type === 'response.completed') tokens = event.response.usage!.output_tokens;
  }
  return sample(start, first, performance.now(), tokens);
}

export async function embeddedEngine(databaseUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-model-'));
  const modelPath = writeTinyModel(join(dir, 'endless.gguf'), { reply: ['la', ' di', ' da'], loop: true });
  const modelsFile = join(dir, 'models.json');
  writeFileSync(modelsFile, JSON.stringify({ models: [{ name: 'tiny', type: 'embedded', model_path: modelPath }] }));

  const lib = await importEsm<NodeLlamaCpp>('node-llama-cpp');
  const llama = await lib.getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ sequences: 1, contextSize: 2048, threads: 1 });
  const chat = new lib.LlamaChat({ contextSequence: context.getSequence() });
  const direct = async (): Promise<Sample> => {
    const start = performance.now();
    let first = 0;
    let tokens = 0;
    await chat.generateResponse([{ type: 'user', text: 'Sing' }], {
      maxTokens: TOKENS,
      onTextChunk: () => (first ||= performance.now()),
      onToken: (chunk) => (tokens += chunk.length),
    });
    return sample(start, first, performance.now(), tokens);
  };

  const server = await startBenchServer(databaseUrl, { MODELS_FILE: modelsFile, LLAMA_GPU: 'false', LLAMA_THREADS: '1', LLAMA_SEQUENCES: '1' });
  const results = { direct: [] as Sample[], api: [] as Sample[] };
  try {
    for (let i = 0; i < 3; i++) await Promise.all([direct(), viaApi(server.client)]);
    for (let i = 0; i < RUNS; i++) {
      results.direct.push(await direct());
      results.api.push(await viaApi(server.client));
    }
  } finally {
    await server.close();
    await model.dispose();
    await llama.dispose();
  }
  const p50 = (samples: Sample[], key: keyof Sample) =>
    percentile(
      samples.map((s) => s[key]),
      50,
    );
  const row = (name: string, key: keyof Sample, unit: string) =>
    `| ${name} | ${p50(results.direct, key).toFixed(2)} ${unit} | ${p50(results.api, key).toFixed(2)} ${unit} | ${(p50(results.api, key) / p50(results.direct, key)).toFixed(2)}× |`;
  writeSection('embedded-engine', [
    `${machine()}; node-llama-cpp ${packageVersion('node-llama-cpp')} (prebuilt CPU binary, 1 thread); ${RUNS} interleaved pairs of ${TOKENS}-token generations ` +
      `of a tiny scripted model (${Math.round(statSync(modelPath).size / 1024)} KB), where the engine's own cost is smallest and the API's shows most.`,
    '',
    '| Measure (p50) | node-llama-cpp directly (baseline) | through the API (stored stream) | ratio |',
    '|---|---|---|---|',
    row('Time to first token', 'ttftMs', 'ms'),
    row('Tokens per second', 'tokensPerSecond', 'tok/s'),
  ]);
}
