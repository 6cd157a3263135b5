import type { BackendModel, ModelBackend } from './generation';
import { ModelCatalog } from './model-catalog.service';
import type { ModelRegistry, Route } from './model-registry.service';

/** A backend whose listing the test scripts, counting how often it is asked. */
function backend(name: string, answers: Array<BackendModel[] | Error>) {
  const fake = {
    name,
    asked: 0,
    listModels: async () => {
      const answer = answers[Math.min(fake.asked++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return fake;
}

function catalogOf(routes: Route[]): ModelCatalog {
  const registry = { allRoutes: () => routes, backendFor: (model: string) => routes.find((route) => route.matches(model))!.backend };
  return new ModelCatalog(registry as unknown as ModelRegistry);
}

describe('ModelCatalog', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('asks each backend once a minute, and sooner again after a failed listing', async () => {
    const upstream = backend('upstream', [new Error('connection refused'), [{ id: 'llama', created: 5, owned_by: 'vllm' }]]);
    const catalog = catalogOf([
      { exact: { name: 'alias', upstreamName: 'llama' }, matches: (model) => model === 'alias', backend: upstream as unknown as ModelBackend },
      { matches: () => true, backend: upstream as unknown as ModelBackend },
    ]);

    expect((await catalog.list()).map((model) => model.id)).toEqual(['alias']);
    expect((await catalog.list()).map((model) => model.id)).toEqual(['alias']);
    expect(upstream.asked).toBe(1);

    jest.advanceTimersByTime(5_000);
    expect(await catalog.list()).toEqual([
      { id: 'alias', object: 'model', created: 5, owned_by: 'vllm' },
      { id: 'llama', object: 'model', created: 5, owned_by: 'vllm' },
    ]);
    jest.advanceTimersByTime(59_999);
    await catalog.list();
    expect(upstream.asked).toBe(2);
    jest.advanceTimersByTime(1);
    await catalog.list();
    expect(upstream.asked).toBe(3);
  });

  it('lists a model under the route that serves it, once', async () => {
    const first = backend('first', [[{ id: 'llama-8b' }, { id: 'qwen' }]]);
    const second = backend('second', [[{ id: 'llama-8b' }, { id: 'llama-70b' }]]);
    const catalog = catalogOf([
      { matches: (model) => model.startsWith('llama-8'), backend: first as unknown as ModelBackend },
      { matches: (model) => model.startsWith('llama-'), backend: second as unknown as ModelBackend },
    ]);

    expect((await catalog.list()).map((model) => model.id)).toEqual(['llama-8b', 'llama-70b']);
  });
});
