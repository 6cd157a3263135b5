import { AnswerTooLargeError, boundedResponse } from '../common/bounded-response';
import { storableText } from '../common/storable-text';
import type { AppConfig } from '../config/app-config';

/** The most of a search provider's answer that is read: a page of results is tens of kilobytes. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** One page a search found. */
export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchQuery {
  query: string;
  /** Only pages of these domains (OpenAI's `filters.allowed_domains`). */
  allowedDomains: string[];
  count: number;
  signal: AbortSignal;
}

/** A search engine the `web_search` tool asks. */
export interface SearchProvider {
  readonly name: string;
  search(query: SearchQuery): Promise<SearchResult[]>;
}

export class SearchFailure extends Error {}

/** The provider WEB_SEARCH_PROVIDER names, or none. */
export function searchProviderOf(config: AppConfig): SearchProvider | undefined {
  const timeoutMs = config.WEB_SEARCH_TIMEOUT_MS;
  if (config.WEB_SEARCH_PROVIDER === 'searxng') return new SearxngSearch(config.WEB_SEARCH_URL!, timeoutMs);
  if (config.WEB_SEARCH_PROVIDER === 'brave')
    return new BraveSearch(config.WEB_SEARCH_URL ?? 'https://api.search.brave.com', config.WEB_SEARCH_API_KEY!, timeoutMs);
  return undefined;
}

/** `site:` terms, which SearXNG's engines and Brave both understand, keep a search to the allowed domains. */
function withDomains({ query, allowedDomains }: SearchQuery): string {
  if (allowedDomains.length === 0) return query;
  return `${query} ${allowedDomains.map((domain) => `site:${domain}`).join(' OR ')}`;
}

async function getJson(url: URL, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'the search provider could not be reached';
    throw new SearchFailure(`The search failed: ${reason}.`);
  }
  if (!response.ok) throw new SearchFailure(`The search failed: the search provider answered HTTP ${response.status}.`);
  try {
    return await boundedResponse(response, MAX_ANSWER_BYTES).json();
  } catch (error) {
    if (error instanceof AnswerTooLargeError)
      throw new SearchFailure(`The search failed: the search provider's answer was larger than ${MAX_ANSWER_BYTES} bytes.`);
    if (signal.aborted) throw error;
    if ((error as Error).name === 'TimeoutError') throw new SearchFailure(`The search failed: no answer within ${timeoutMs} ms.`);
    throw new SearchFailure('The search failed: the search provider answered with something other than JSON.');
  }
}

/** A result's field as text that can be stored (a provider's text may hold a NUL, as a model's may). */
const text = (value: unknown): string => (typeof value === 'string' ? storableText(value) : '');

/** A SearXNG instance's JSON API (`/search?q=…&format=json`; the instance must allow the json format). */
class SearxngSearch implements SearchProvider {
  readonly name = 'searxng';

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async search(query: SearchQuery): Promise<SearchResult[]> {
    const url = new URL('search', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set('q', withDomains(query));
    url.searchParams.set('format', 'json');
    const body = (await getJson(url, {}, this.timeoutMs, query.signal)) as { results?: unknown };
    const results = Array.isArray(body.results) ? (body.results as Array<Record<string, unknown>>) : [];
    return results
      .filter((result) => typeof result.url === 'string')
      .slice(0, query.count)
      .map((result) => ({ title: text(result.title), url: text(result.url), snippet: text(result.content) }));
  }
}

/** The Brave Search API (`/res/v1/web/search`, token in `X-Subscription-Token`). */
class BraveSearch implements SearchProvider {
  readonly name = 'brave';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs: number,
  ) {}

  async search(query: SearchQuery): Promise<SearchResult[]> {
    const url = new URL('res/v1/web/search', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set('q', withDomains(query));
    url.searchParams.set('count', String(query.count));
    const body = (await getJson(url, { 'x-subscription-token': this.apiKey }, this.timeoutMs, query.signal)) as { web?: { results?: unknown } };
    const results = Array.isArray(body.web?.results) ? (body.web.results as Array<Record<string, unknown>>) : [];
    return results
      .filter((result) => typeof result.url === 'string')
      .slice(0, query.count)
      .map((result) => ({ title: text(result.title), url: text(result.url), snippet: text(result.description) }));
  }
}
