import type { JsonObject } from '../common/openai/types';
import type { HostedCallResult, HostedTool } from './hosted-tools';
import { SearchFailure, type SearchProvider } from './web-search';

/** Results a search gives the model, by the request's `search_context_size`. */
const RESULTS_BY_CONTEXT_SIZE: Record<string, number> = { low: 3, medium: 5, high: 10 };

/**
 * `web_search` run through a search provider: the model writes the query; the call is a `web_search_call` item
 * (`action: {type: "search", query, sources}`), streamed with `response.web_search_call.in_progress/searching/completed`.
 * A search that fails is a failed item, and the model is told why.
 */
export function webSearchTool(provider: SearchProvider, onFailure: (message: string) => void): HostedTool {
  return {
    offered: {
      type: 'function',
      name: 'web_search',
      description: 'Searches the web. Gives back the most relevant pages, each with its title, URL and an excerpt. Cite the URLs of the pages you use.',
      parameters: { type: 'object', properties: { query: { type: 'string', description: 'What to search for.' } }, required: ['query'] },
      strict: null,
    },
    idPrefix: 'ws',
    openItem: () => ({ type: 'web_search_call', status: 'in_progress', action: { type: 'search' } }),
    openedEvents: [{ type: 'response.web_search_call.in_progress' }],
    awaitsApproval: false,
    running: () => ({ fields: {}, status: 'searching', events: [{ type: 'response.web_search_call.searching' }] }),
    eventPrefix: 'response.web_search_call',
    hasFailedEvent: false,
    run: async (args, { tools, signal }): Promise<HostedCallResult> => {
      const query = typeof args.query === 'string' ? args.query.trim() : '';
      if (!query) return { status: 'failed', fields: { action: { type: 'search', query } }, output: 'The search needs a non-empty `query`.' };
      const settings = (tools.find((tool) => tool.type.startsWith('web_search')) ?? {}) as JsonObject;
      const filters = (settings.filters ?? {}) as JsonObject;
      const allowedDomains = Array.isArray(filters.allowed_domains)
        ? filters.allowed_domains.filter((domain): domain is string => typeof domain === 'string')
        : [];
      const count = RESULTS_BY_CONTEXT_SIZE[String(settings.search_context_size ?? 'medium')] ?? RESULTS_BY_CONTEXT_SIZE.medium;
      try {
        const results = await provider.search({ query, allowedDomains, count, signal });
        return {
          status: 'completed',
          fields: { action: { type: 'search', query, sources: results.map((result) => ({ type: 'url', url: result.url })) } },
          output:
            results.length === 0
              ? 'The search found nothing.'
              : results.map((result, index) => `[${index + 1}] ${result.title}\n${result.url}\n${result.snippet}`).join('\n\n'),
        };
      } catch (error) {
        if (!(error instanceof SearchFailure)) throw error;
        onFailure(`web_search through ${provider.name}: ${error.message}`);
        return { status: 'failed', fields: { action: { type: 'search', query } }, output: error.message };
      }
    },
  };
}
