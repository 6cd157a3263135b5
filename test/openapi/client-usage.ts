/**
 * Requests a user writes with a client typed from openapi.json (openapi-typescript + openapi-fetch). Not run: the
 * contract test type-checks it against the types generated from the committed document.
 */
import createClient from 'openapi-fetch';

import type { paths } from './schema';

export async function userCode(baseUrl: string, apiKey: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
  const created = await client.POST('/v1/responses', {
    body: {
      model: 'gpt-4o-mini',
      input: 'Hello',
      store: true,
      stream: false,
      temperature: 0.2,
      max_output_tokens: 100,
      instructions: 'Be brief.',
      parallel_tool_calls: true,
    },
  });
  const id: string = created.data!.id;
  const status: string = created.data!.status;
  const retrieved = await client.GET('/v1/responses/{id}', { params: { path: { id } } });
  const chained = await client.POST('/v1/responses', { body: { model: 'gpt-4o-mini', input: 'And then?', previous_response_id: id, background: true } });
  const items = await client.GET('/v1/responses/{id}/input_items', { params: { path: { id }, query: { limit: 10, order: 'asc' } } });
  const deleted = await client.DELETE('/v1/responses/{id}', { params: { path: { id } } });
  const keys = await client.POST('/admin/keys', { body: { tenant: 'team-a', rpm: 600 } });
  return [
    status,
    String(retrieved.data?.model),
    String(chained.data?.background),
    String(items.data?.has_more),
    String(deleted.data?.deleted),
    String(keys.data?.key),
  ];
}
