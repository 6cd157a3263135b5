import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';

import type { McpHostPolicy } from './mcp-host-policy';

/**
 * The fetch the MCP client uses: its connections resolve names through the host policy, so that the policy holds
 * for every connection, not only when a request's tools are checked. undici's own fetch goes with its Agent: Node's
 * built-in fetch is another undici, which may not take this one's.
 */
export function mcpFetch(policy: McpHostPolicy): FetchLike {
  const dispatcher = new Agent({ connect: { lookup: policy.lookup } });
  return (url, init) => undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher });
}
