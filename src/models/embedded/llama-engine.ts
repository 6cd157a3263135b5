import { isAbsolute, resolve } from 'node:path';

import { Logger } from '@nestjs/common';
import type { ChatWrapper, Llama, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

import { importEsm } from '../../common/import-esm';
import type { TextFormat } from '../../common/openai/types';
import { SequencePool } from './sequence-pool';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

export interface EngineOptions {
  /** CPU threads for evaluation; more than the physical cores is much slower. */
  threads: number;
  /** Tokens each sequence (one request at a time) can hold. */
  contextSize: number;
  /** Requests a model serves at once; more wait in line. */
  sequences: number;
  /** Where `hf:` and URL models are downloaded to. */
  modelsDir: string;
  gpu: 'auto' | 'cuda' | 'vulkan' | 'metal' | false;
}

/** A model ready to serve: its weights, its pool of context sequences, and the grammars made for it. */
export interface LoadedModel {
  model: LlamaModel;
  /** The model's own chat template, as node-llama-cpp resolves it from the GGUF metadata. */
  chatWrapper: ChatWrapper;
  sequences: SequencePool<LlamaContextSequence>;
  lib: NodeLlamaCpp;
  grammarFor(format: TextFormat): Promise<LlamaGrammar | undefined>;
}

/**
 * The in-process llama.cpp runtime (node-llama-cpp's prebuilt binaries), shared by every embedded model of the
 * process: each model file is loaded once, with one context whose sequences are pooled.
 */
export class LlamaEngine {
  private readonly logger = new Logger(LlamaEngine.name);
  private llama?: Promise<{ lib: NodeLlamaCpp; llama: Llama }>;
  private readonly models = new Map<string, Promise<LoadedModel>>();

  constructor(private readonly options: EngineOptions) {}

  /** Loads (once) the model at a local path, or downloads it first from an `hf:` URI or URL into the models folder. */
  load(source: string): Promise<LoadedModel> {
    return cached(this.models, source, () => this.loadModel(source));
  }

  async dispose(): Promise<void> {
    const models = await Promise.allSettled(this.models.values());
    for (const model of models) if (model.status === 'fulfilled') await model.value.model.dispose();
    if (this.llama) await (await this.llama).llama.dispose();
  }

  private runtime(): Promise<{ lib: NodeLlamaCpp; llama: Llama }> {
    this.llama ??= (async () => {
      const lib = await importEsm<NodeLlamaCpp>('node-llama-cpp');
      const llama = await lib.getLlama({
        gpu: this.options.gpu,
        build: 'never',
        maxThreads: this.options.threads,
        logger: (level, message) => {
          if (String(level) === 'error' || String(level) === 'fatal') this.logger.error(message.trim());
        },
      });
      return { lib, llama };
    })();
    return this.llama;
  }

  private async loadModel(source: string): Promise<LoadedModel> {
    const { lib, llama } = await this.runtime();
    const modelPath = isRemote(source)
      ? await lib.resolveModelFile(source, { directory: this.options.modelsDir, cli: process.stdout.isTTY ?? false })
      : resolve(source);
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({
      sequences: this.options.sequences,
      contextSize: this.options.contextSize,
      threads: this.options.threads,
    });
    const sequences = Array.from({ length: this.options.sequences }, () => context.getSequence());
    const grammars = new Map<string, Promise<LlamaGrammar>>();
    const grammarFor = async (format: TextFormat): Promise<LlamaGrammar | undefined> => {
      if (format.type === 'text') return undefined;
      const key = JSON.stringify(format.type === 'json_schema' ? format.schema : 'json');
      return cached(grammars, key, () =>
        format.type === 'json_schema' ? llama.createGrammarForJsonSchema(format.schema as never) : llama.getGrammarFor('json'),
      );
    };
    this.logger.log(
      `loaded ${isAbsolute(source) ? modelPath : source}: ${this.options.sequences} sequences of ${context.contextSize} tokens, ${this.options.threads} threads`,
    );
    return { model, chatWrapper: lib.resolveChatWrapper(model), sequences: new SequencePool(sequences), lib, grammarFor };
  }
}

/** The promise kept under `key`, made on first use; one that fails is forgotten, so that the next call tries again. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let promise = cache.get(key);
  if (!promise) {
    promise = make();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

export function isRemote(source: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/.test(source);
}
