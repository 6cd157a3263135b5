import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { writeEndlessAnswer } from '../../test/support/endless-answer';
import { loadConfig } from '../config/app-config';
import { SearchFailure, searchProviderOf } from './web-search';

/** What the never-ending answer managed to write before the reader stopped reading. */
let endlessBytes = 0;
const endless = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  writeEndlessAnswer(res, '{"results":[{"title":"', '"}]}', 600 * 1024 * 1024, (bytes) => (endlessBytes += bytes));
};

describe('searchProviderOf', () => {
  let server: Server;
  let url: string;
  const seen: IncomingMessage[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      if (req.url!.includes('slow')) return; // never answers
      if (req.url!.includes('endless')) return void endless(res);
      if (req.url!.includes('nul')) {
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"results":[{"title":"a\\u0000b","url":"https://a.example","content":"\\ud800"}]}');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          web: {
            results: [
              { title: 'A', url: 'https://a.example', description: 'about a' },
              { title: 'no url' },
              { title: 'B', url: 'https://b.example', description: 'about b' },
            ],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('is none unless WEB_SEARCH_PROVIDER is set', () => {
    expect(searchProviderOf(loadConfig({}))).toBeUndefined();
  });

  it('asks the Brave Search API with its token and reads its web results', async () => {
    const brave = searchProviderOf(loadConfig({ WEB_SEARCH_PROVIDER: 'brave', WEB_SEARCH_URL: url, WEB_SEARCH_API_KEY: 'token-1' }))!;
    const results = await brave.search({ query: 'nest', allowedDomains: ['a.example'], count: 5, signal: new AbortController().signal });
    expect(results).toEqual([
      { title: 'A', url: 'https://a.example', snippet: 'about a' },
      { title: 'B', url: 'https://b.example', snippet: 'about b' },
    ]);
    const request = seen.at(-1)!;
    expect(request.headers['x-subscription-token']).toBe('token-1');
    const asked = new URL(request.url!, url);
    expect(asked.pathname).toBe('/res/v1/web/search');
    expect(asked.searchParams.get('q')).toBe('nest site:a.example');
    expect(asked.searchParams.get('count')).toBe('5');
  });

  it('fails a search that takes longer than WEB_SEARCH_TIMEOUT_MS with a message the model can read', async () => {
    const searxng = searchProviderOf(loadConfig({ WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: `${url}/slow`, WEB_SEARCH_TIMEOUT_MS: '200' }))!;
    const search = searxng.search({ query: 'q', allowedDomains: [], count: 5, signal: new AbortController().signal });
    await expect(search).rejects.toThrow(SearchFailure);
    await expect(search).rejects.toThrow('The search failed: no answer within 200 ms.');
  });

  it('fails a search whose answer is larger than 4 MiB, and reads no further', async () => {
    const searxng = searchProviderOf(loadConfig({ WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: `${url}/endless` }))!;
    const search = searxng.search({ query: 'q', allowedDomains: [], count: 5, signal: new AbortController().signal });
    await expect(search).rejects.toThrow("The search failed: the search provider's answer was larger than 4194304 bytes.");
    // What was read, and what the sockets' buffers held.
    expect(endlessBytes).toBeLessThan(32 * 1024 * 1024);
  });

  it('makes a NUL or a lone surrogate in a result storable', async () => {
    const searxng = searchProviderOf(loadConfig({ WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: `${url}/nul` }))!;
    const results = await searxng.search({ query: 'q', allowedDomains: [], count: 5, signal: new AbortController().signal });
    expect(results).toEqual([{ title: 'a\uFFFDb', url: 'https://a.example', snippet: '\uFFFD' }]);
  });

  it('needs the settings each provider cannot do without', () => {
    expect(() => loadConfig({ WEB_SEARCH_PROVIDER: 'searxng' })).toThrow('WEB_SEARCH_URL');
    expect(() => loadConfig({ WEB_SEARCH_PROVIDER: 'brave' })).toThrow('WEB_SEARCH_API_KEY');
  });
});
