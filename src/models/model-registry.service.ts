import { Injectable } from '@nestjs/common';
import picomatch from 'picomatch';
import { AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import type { ModelBackend } from './generation';
import { readModelsFile } from './models-file';
import { OpenAICompatibleBackend } from './openai-compatible.backend';

interface Route {
  matches(model: string): boolean;
  exact: boolean;
  backend: ModelBackend;
}

/** Chooses the backend for a model name: MODELS_FILE routes (exact names before globs, then file order), then UPSTREAM_BASE_URL. */
@Injectable()
export class ModelRegistry {
  private readonly routes: Route[] = [];
  private readonly fallback?: ModelBackend;
  private readonly resolved = new Map<string, ModelBackend | null>();

  constructor(config: AppConfig) {
    if (config.MODELS_FILE) {
      for (const route of readModelsFile(config.MODELS_FILE).models) {
        const exact = !picomatch.scan(route.name).isGlob;
        this.routes.push({
          exact,
          matches: exact ? (model) => model === route.name : picomatch(route.name),
          backend: new OpenAICompatibleBackend({
            baseURL: route.base_url,
            apiKey: route.api_key ?? (route.api_key_env ? process.env[route.api_key_env] : undefined),
            upstreamModel: route.upstream_model,
            timeoutMs: route.timeout_ms ?? config.UPSTREAM_TIMEOUT_MS,
            maxRetries: config.UPSTREAM_MAX_RETRIES,
          }),
        });
      }
      this.routes.sort((a, b) => Number(b.exact) - Number(a.exact));
    }
    if (config.UPSTREAM_BASE_URL) {
      this.fallback = new OpenAICompatibleBackend({
        baseURL: config.UPSTREAM_BASE_URL,
        apiKey: config.UPSTREAM_API_KEY,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        maxRetries: config.UPSTREAM_MAX_RETRIES,
      });
    }
  }

  /** The backend serving `model`; 404 model_not_found when none does. */
  backendFor(model: string): ModelBackend {
    let backend = this.resolved.get(model);
    if (backend === undefined) {
      backend = this.routes.find((route) => route.matches(model))?.backend ?? this.fallback ?? null;
      if (this.resolved.size < 10_000) this.resolved.set(model, backend);
    }
    if (!backend) {
      throw ApiError.notFound(`The model '${model}' does not exist or you do not have access to it.`, 'model', 'model_not_found');
    }
    return backend;
  }
}
