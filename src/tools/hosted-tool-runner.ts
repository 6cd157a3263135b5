import { Injectable, Logger } from '@nestjs/common';
import type { JsonObject, ResponseTool } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { type HostedCallResult, type HostedTool, WEB_SEARCH } from './hosted-tools';
import { SearchFailure, type SearchProvider, searchProviderOf } from './web-search';

/** Results a search gives the model, by the request's `search_context_size`. */
const RESULTS_BY_CONTEXT_SIZE: Record<string, number> = { low: 3, medium: 5, high: 10 };

/** Runs the calls of hosted tools. A call that fails is a failed item the model is told about, never a failed response. */
@Injectable()
export class HostedToolRunner {
  private readonly logger = new Logger(HostedToolRunner.name);
  private readonly search: SearchProvider | undefined;

  constructor(config: AppConfig) {
    this.search = searchProviderOf(config);
  }

  /** Runs one call of `tool` with the arguments the model wrote; `tools` are the request's (for the tool's settings). */
  async run(tool: HostedTool, args: JsonObject, tools: ResponseTool[], signal: AbortSignal): Promise<HostedCallResult> {
    if (tool === WEB_SEARCH) return this.webSearch(args, (tools.find((entry) => WEB_SEARCH.toolTypes.includes(entry.type)) ?? {}) as JsonObject, signal);
    return { status: 'failed', fields: {}, output: `The tool '${tool.offered.name}' cannot be run here.` };
  }

  private async webSearch(args: JsonObject, settings: JsonObject, signal: AbortSignal): Promise<HostedCallResult> {
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    if (!query) return { status: 'failed', fields: { action: { type: 'search', query } }, output: 'The search needs a non-empty `query`.' };
    const filters = (settings.filters ?? {}) as JsonObject;
    const allowedDomains = Array.isArray(filters.allowed_domains) ? filters.allowed_domains.filter((domain): domain is string => typeof domain === 'string') : [];
    const count = RESULTS_BY_CONTEXT_SIZE[String(settings.search_context_size ?? 'medium')] ?? RESULTS_BY_CONTEXT_SIZE.medium;
    try {
      const results = await this.search!.search({ query, allowedDomains, count, signal });
      return {
        status: 'completed',
        fields: { action: { type: 'search', query, sources: results.map((result) => ({ type: 'url', url: result.url })) } },
        output: results.length === 0 ? 'The search found nothing.' : results.map((result, index) => `[${index + 1}] ${result.title}\n${result.url}\n${result.snippet}`).join('\n\n'),
      };
    } catch (error) {
      if (!(error instanceof SearchFailure)) throw error;
      this.logger.warn(`web_search through ${this.search!.name}: ${error.message}`);
      return { status: 'failed', fields: { action: { type: 'search', query } }, output: error.message };
    }
  }
}
