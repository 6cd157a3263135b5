import type { IdPrefix } from '../common/ids';
import type { FunctionTool, JsonObject } from '../common/openai/types';

/**
 * A tool type that this server runs itself within a response (OpenAI's hosted tools): offered to the backend as a
 * function; the model's call becomes an item of `callType` that the server runs, and the model is then asked again
 * with the call's result, all in one response. Its streaming events are `<eventPrefix>.in_progress` when the call
 * opens, `<eventPrefix>.<runningStatus>` when it runs and `<eventPrefix>.completed` when it has run (or
 * `<eventPrefix>.failed` when it failed, for the tools whose events include one).
 */
export interface HostedTool {
  /** The tool types a request names it by. */
  toolTypes: readonly string[];
  offered: FunctionTool;
  callType: string;
  idPrefix: IdPrefix;
  /** The call item's own fields before the call has run. */
  openedFields(): JsonObject;
  eventPrefix: string;
  runningStatus: string;
  hasFailedEvent: boolean;
}

/** What running a hosted call gave: the item's fields and status, and what the model is told. */
export interface HostedCallResult {
  status: 'completed' | 'failed';
  fields: JsonObject;
  output: string;
}

export const WEB_SEARCH: HostedTool = {
  toolTypes: ['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11'],
  offered: {
    type: 'function',
    name: 'web_search',
    description: 'Searches the web. Gives back the most relevant pages, each with its title, URL and an excerpt. Cite the URLs of the pages you use.',
    parameters: { type: 'object', properties: { query: { type: 'string', description: 'What to search for.' } }, required: ['query'] },
    strict: null,
  },
  callType: 'web_search_call',
  idPrefix: 'ws',
  openedFields: () => ({ action: { type: 'search' } }),
  eventPrefix: 'response.web_search_call',
  runningStatus: 'searching',
  hasFailedEvent: false,
};

export const HOSTED_TOOLS: readonly HostedTool[] = [WEB_SEARCH];

/** The hosted tool a request's tool type names, if it is one. */
export function hostedToolOfType(type: string): HostedTool | undefined {
  return HOSTED_TOOLS.find((tool) => tool.toolTypes.includes(type));
}
