import type { IdPrefix } from '../common/ids';
import type { FunctionTool, JsonObject, ResponseTool } from '../common/openai/types';

/** A stream event of a hosted call beyond those every item has: its type, and its fields besides `output_index` and `item_id`. */
export interface HostedCallEvent {
  type: string;
  fields?: JsonObject;
}

/**
 * A tool that this server runs itself within a response (OpenAI's hosted tools: web_search, a remote MCP server's
 * tools): offered to the backend as a function; the model's call becomes the tool's own item, which the server runs,
 * and the model is then asked again with the call's result, all in one response.
 */
export interface HostedTool {
  offered: FunctionTool;
  idPrefix: IdPrefix;
  /** A call's item as it opens (its type, status and own fields; the builder gives it its id). */
  openItem(): JsonObject & { type: string };
  /** Events after the item's `response.output_item.added`. */
  openedEvents: HostedCallEvent[];
  /** Calls that wait for the user's approval: the item is done once the model has written it, and is not run. */
  awaitsApproval: boolean;
  /** The item's fields and status, and the events, as the call starts to run with the arguments the model wrote. */
  running(argumentsText: string): { fields: JsonObject; status: string; events: HostedCallEvent[] };
  /** The event of a call that has run: `<eventPrefix>.completed`, or `.failed` when `hasFailedEvent`. */
  eventPrefix: string;
  hasFailedEvent: boolean;
  /** Runs a call; never throws for a failure of the call (only when `signal` aborts it). */
  run(args: JsonObject, context: { tools: ResponseTool[]; signal: AbortSignal }): Promise<HostedCallResult>;
}

/** What running a hosted call gave: the item's fields and status, and what the model is told. */
export interface HostedCallResult {
  status: 'completed' | 'failed';
  fields: JsonObject;
  output: string;
}

/** The tool types of OpenAI's web search, which this server runs as `web_search` when a search provider is configured. */
export const WEB_SEARCH_TYPES: readonly string[] = ['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11'];
