import { resolve } from 'node:path';

import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import picomatch from 'picomatch';

import { ApiError } from '../common/api-error';
import { AppConfig, ConfigError } from '../config/app-config';
import { MODEL_LABEL } from '../metrics/metrics';
import { EmbeddedBackend } from './embedded/embedded.backend';
import { LlamaEngine } from './embedded/llama-engine';
import type { ModelBackend } from './generation';
import { type ModelRoute, readModelsFile } from './models-file';
import { OpenAICompatibleBackend } from './openai-compatible.backend';

/** The embedded engine's model when nothing else is configured: small, instruct-tuned, with function calling. */
export const DEFAULT_MODEL = 'hf:bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M';

/** Names one backend serves: one exact name, or those a glob (or, for the fallback, anything) matches. */
export interface Route {
  matches(model: string): boolean;
  /** The one name an exact route serves, and the name its backend knows the model by. */
  exact?: { name: string; upstreamName: string };
  backend: ModelBackend;
}

/**
 * Chooses the backend for a model name: MODELS_FILE routes (exact names before globs, then file order), then the
 * fallback: UPSTREAM_BASE_URL, else the embedded engine with MODEL_PATH, else (no models file either) with the default
 * model.
 */
@Injectable()
export class ModelRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly routes: Route[] = [];
  private readonly fallback?: ModelBackend;
  private readonly resolved = new Map<string, ModelBackend | null>();
  private engine?: LlamaEngine;

  constructor(private readonly config: AppConfig) {
    if (config.MODELS_FILE) {
      for (const route of readModelsFile(config.MODELS_FILE).models) {
        const exact = !picomatch.scan(route.name).isGlob;
        this.routes.push({
          exact: exact ? { name: route.name, upstreamName: route.type === 'embedded' ? route.model_path! : (route.upstream_model ?? route.name) } : undefined,
          matches: exact ? (model) => model === route.name : picomatch(route.name),
          backend: this.backendOf(route),
        });
      }
      this.routes.sort((a, b) => Number(Boolean(b.exact)) - Number(Boolean(a.exact)));
      MODEL_LABEL.keep(this.routes.flatMap((route) => (route.exact ? [route.exact.name] : [])));
    }
    if (config.UPSTREAM_BASE_URL) {
      this.fallback = new OpenAICompatibleBackend({
        baseURL: config.UPSTREAM_BASE_URL,
        apiKey: config.UPSTREAM_API_KEY,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        maxRetries: config.UPSTREAM_MAX_RETRIES,
        maxOutputChars: config.MAX_OUTPUT_CHARS,
      });
    } else if (config.MODEL_PATH || !config.MODELS_FILE) {
      this.fallback = new EmbeddedBackend(this.llamaEngine(), config.MODEL_PATH ?? DEFAULT_MODEL, config.MAX_OUTPUT_CHARS);
    }
  }

  /** Embedded models are loaded (and downloaded) at start-up, so that a missing model stops the server at once. */
  async onModuleInit(): Promise<void> {
    const embedded = [...this.routes.map((route) => route.backend), this.fallback].filter((backend) => backend instanceof EmbeddedBackend);
    for (const backend of new Set(embedded)) {
      try {
        await backend.prepare();
      } catch (error) {
        throw new ConfigError(
          `Could not load the embedded model ${backend.source}: ${(error as Error).message}\n` +
            'Set UPSTREAM_BASE_URL to an OpenAI-compatible server (e.g. http://127.0.0.1:11434/v1 for Ollama), or MODEL_PATH to a local .gguf file ' +
            `(or download the model once, with network access, into ${this.modelsDir()}).`,
        );
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.engine?.dispose();
  }

  /** The backend serving `model`; 404 model_not_found when none does. */
  backendFor(model: string): ModelBackend {
    let backend = this.resolved.get(model);
    if (backend === undefined) {
      backend = this.routes.find((route) => route.matches(model))?.backend ?? this.fallback ?? null;
      if (this.resolved.size < 10_000) this.resolved.set(model, backend);
    }
    if (!backend) {
      throw ApiError.modelNotFound(model);
    }
    return backend;
  }

  /** Every route in the order names are matched, the fallback (which matches anything) last. */
  allRoutes(): Route[] {
    return this.fallback ? [...this.routes, { matches: () => true, backend: this.fallback }] : [...this.routes];
  }

  private backendOf(route: ModelRoute): ModelBackend {
    if (route.type === 'embedded') return new EmbeddedBackend(this.llamaEngine(), route.model_path!, this.config.MAX_OUTPUT_CHARS);
    return new OpenAICompatibleBackend({
      baseURL: route.base_url,
      apiKey: route.api_key ?? (route.api_key_env ? process.env[route.api_key_env] : undefined),
      upstreamModel: route.upstream_model,
      timeoutMs: route.timeout_ms ?? this.config.UPSTREAM_TIMEOUT_MS,
      maxRetries: this.config.UPSTREAM_MAX_RETRIES,
      maxOutputChars: this.config.MAX_OUTPUT_CHARS,
    });
  }

  private llamaEngine(): LlamaEngine {
    this.engine ??= new LlamaEngine({
      threads: this.config.LLAMA_THREADS,
      contextSize: this.config.LLAMA_CONTEXT_SIZE,
      sequences: this.config.LLAMA_SEQUENCES,
      modelsDir: this.modelsDir(),
      gpu: this.config.LLAMA_GPU === 'false' ? false : (this.config.LLAMA_GPU as 'auto' | 'cuda' | 'vulkan' | 'metal'),
    });
    return this.engine;
  }

  private modelsDir(): string {
    return resolve(this.config.DATA_DIR, 'models');
  }
}
