import { Injectable, Logger } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import type { BackendModel, ModelBackend } from './generation';
import { ModelRegistry, type Route } from './model-registry.service';

/** OpenAI's Model object. */
export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** How long a backend's listing is reused; a failed one is asked again sooner. */
const LISTING_TTL_MS = 60_000;
const FAILED_LISTING_TTL_MS = 5_000;

/**
 * The model names clients can use, as GET /v1/models lists them: every exact name in MODELS_FILE, and each model a
 * backend lists that a glob route (or the fallback) would route to that backend. A backend that cannot be reached
 * lists nothing (its exact names are still listed): a model picker shows what is up.
 */
@Injectable()
export class ModelCatalog {
  private readonly logger = new Logger(ModelCatalog.name);
  private readonly listings = new Map<ModelBackend, { models: Promise<BackendModel[]>; expiresAt: number }>();
  /** `created` of names no backend dates: when this server started serving them. */
  private readonly startedAt = Math.floor(Date.now() / 1000);

  constructor(private readonly registry: ModelRegistry) {}

  async list(): Promise<ModelObject[]> {
    const routes = this.registry.allRoutes();
    // Every backend asked once, all at the same time.
    const backends = [...new Set(routes.map((route) => route.backend))];
    const listed = new Map(await Promise.all(backends.map(async (backend) => [backend, await this.listing(backend)] as const)));
    const models = new Map<string, ModelObject>();
    for (const route of routes) {
      for (const [name, known] of this.namesOf(route, listed.get(route.backend)!)) {
        if (!models.has(name))
          models.set(name, { id: name, object: 'model', created: known?.created ?? this.startedAt, owned_by: known?.owned_by ?? 'system' });
      }
    }
    return [...models.values()];
  }

  async retrieve(id: string): Promise<ModelObject> {
    const model = (await this.list()).find((candidate) => candidate.id === id);
    if (!model) throw ApiError.modelNotFound(id);
    return model;
  }

  /** The names `route` serves among what its backend lists (an exact name is served whether listed or not). */
  private namesOf(route: Route, listed: BackendModel[]): Array<[string, BackendModel | undefined]> {
    if (route.exact) return [[route.exact.name, listed.find((model) => model.id === route.exact!.upstreamName)]];
    // A name an earlier route claims goes to that route's backend, not this one.
    return listed.filter((model) => route.matches(model.id) && this.registry.backendFor(model.id) === route.backend).map((model) => [model.id, model]);
  }

  private listing(backend: ModelBackend): Promise<BackendModel[]> {
    const cached = this.listings.get(backend);
    if (cached && cached.expiresAt > Date.now()) return cached.models;
    const entry = { models: Promise.resolve<BackendModel[]>([]), expiresAt: Date.now() + LISTING_TTL_MS };
    entry.models = backend.listModels().catch((error: unknown) => {
      this.logger.warn(`The model backend ${backend.name} did not list its models: ${(error as Error).message}`);
      entry.expiresAt = Date.now() + FAILED_LISTING_TTL_MS;
      return [];
    });
    this.listings.set(backend, entry);
    return entry.models;
  }
}
