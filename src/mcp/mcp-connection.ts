import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { AnswerTooLargeError, boundedResponse } from '../common/bounded-response';
import type { Json, JsonObject } from '../common/openai/types';
import { storableJson, storableText } from '../common/storable-text';

/** A tool as a remote MCP server lists it (the fields of OpenAI's `mcp_list_tools` item). */
export type McpToolInfo = {
  name: string;
  description: string | null;
  input_schema: JsonObject;
  annotations: JsonObject | null;
};

/** Why an MCP call failed, in the shapes of OpenAI's `mcp_call.error`. */
export type McpCallError =
  | { type: 'mcp_protocol_error'; code: number; message: string }
  | { type: 'mcp_tool_execution_error'; content: Json }
  | { type: 'http_error'; code: number; message: string };

export type McpCallOutcome = { output: string } | { error: McpCallError; message: string };

const CLIENT_INFO = { name: 'responses-server', version: '1.0.0' };

/** How a connection reaches its server, and how much it takes of it. */
export interface McpConnectionLimits {
  /** Makes every request (see mcp-fetch.ts). */
  fetch: FetchLike;
  /** The longest wait for the connection, a listing (all its pages) or a call. */
  timeoutMs: number;
  /** The most one answer may hold, and a listing's tools as JSON. */
  maxAnswerBytes: number;
}

/** What ends a connection early: an answer larger than the limit, and whom to tell. */
interface Overflow {
  client?: Client;
  error?: AnswerTooLargeError;
  onEnded(): void;
}

/**
 * A connection to a remote MCP server with the official SDK's client: streamable HTTP, or the older HTTP+SSE
 * transport when the server answers the first with a 4xx (the fallback the MCP specification describes). What the
 * server sends is made storable (as a model's text is) before anything else sees it.
 *
 * An answer larger than the limit ends the connection, failing the requests that wait on it: the SDK reports a
 * failed event stream only to its error handler, and would leave the request to wait for its timeout.
 */
export class McpConnection {
  private constructor(
    private readonly client: Client,
    private readonly limits: McpConnectionLimits,
    private readonly overflow: Overflow,
  ) {}

  /** Connects; `onEnded` is told when the connection ends itself (after an answer larger than the limit). */
  static async open(url: URL, headers: Record<string, string>, limits: McpConnectionLimits, signal: AbortSignal, onEnded: () => void): Promise<McpConnection> {
    const { timeoutMs, maxAnswerBytes } = limits;
    const overflow: Overflow = { onEnded };
    const fetch: FetchLike = async (input, init) =>
      boundedResponse(await limits.fetch(input, init), maxAnswerBytes, (error) => {
        if (overflow.error) return;
        overflow.error = error;
        overflow.onEnded();
        void overflow.client?.close().catch(() => undefined);
      });
    const requestInit = { headers };
    const streamable = (overflow.client = new Client(CLIENT_INFO));
    try {
      await streamable.connect(new StreamableHTTPClientTransport(url, { requestInit, fetch }), { timeout: timeoutMs, signal });
      return new McpConnection(streamable, limits, overflow);
    } catch (error) {
      await streamable.close().catch(() => undefined);
      if (overflow.error) throw overflow.error;
      if (!(error instanceof StreamableHTTPError && error.code !== undefined && error.code >= 400 && error.code < 500)) throw error;
    }
    const sse = (overflow.client = new Client(CLIENT_INFO));
    // The event stream's GET carries the headers too.
    const transport = new SSEClientTransport(url, {
      requestInit,
      fetch,
      eventSourceInit: { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
    try {
      await sse.connect(transport, { timeout: timeoutMs, signal });
    } catch (error) {
      throw overflow.error ?? error;
    }
    return new McpConnection(sse, limits, overflow);
  }

  /** The server's tools, every page of them, within one timeout and one answer's size. */
  async listTools(signal: AbortSignal): Promise<McpToolInfo[]> {
    const { timeoutMs, maxAnswerBytes } = this.limits;
    const deadline = Date.now() + timeoutMs;
    const tools: McpToolInfo[] = [];
    let listedChars = 0;
    let cursor: string | undefined;
    try {
      do {
        const timeout = deadline - Date.now();
        if (timeout <= 0) throw new McpError(ErrorCode.RequestTimeout, `The listing took longer than ${timeoutMs} ms.`);
        const page = await this.client.listTools(cursor ? { cursor } : undefined, { timeout, signal: forOneRequest(signal) });
        // Each page is bounded as it is read; this bounds them together (a server may give cursors for ever).
        listedChars += JSON.stringify(page.tools).length;
        if (listedChars > maxAnswerBytes) throw new AnswerTooLargeError(maxAnswerBytes);
        for (const tool of page.tools) {
          const { $schema: _, ...schema } = tool.inputSchema as JsonObject;
          tools.push({
            name: storableText(tool.name),
            description: tool.description === undefined ? null : storableText(tool.description),
            input_schema: storableJson(schema),
            annotations: tool.annotations === undefined ? null : storableJson(tool.annotations as JsonObject),
          });
        }
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      throw this.overflow.error ?? error;
    }
    return tools;
  }

  /** Calls a tool; a tool's own error, a protocol error or an HTTP error is an outcome, not a throw (an abort throws). */
  async call(name: string, args: JsonObject, signal: AbortSignal): Promise<McpCallOutcome> {
    try {
      const result = await this.client.callTool({ name, arguments: args }, undefined, { timeout: this.limits.timeoutMs, signal: forOneRequest(signal) });
      const text = storableText(contentText(result.content as Json[] | undefined, result.structuredContent as Json | undefined));
      if (result.isError)
        return { error: { type: 'mcp_tool_execution_error', content: storableJson((result.content as Json) ?? []) }, message: text || 'The tool failed.' };
      return { output: text };
    } catch (error) {
      if (signal.aborted) throw error;
      return failureOf(this.overflow.error ?? error);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/**
 * A run's signal as one request's: the SDK adds a listener to a request's signal and never takes it off, so the run's
 * own would collect one per page and call for as long as the run lasts.
 */
const forOneRequest = (signal: AbortSignal): AbortSignal => AbortSignal.any([signal]);

/** A connection or listing that failed, as a call's outcome; its messages, which may quote the server, storable. */
export function failureOf(error: unknown): { error: McpCallError; message: string } {
  if (error instanceof McpError) {
    const message = storableText(error.message);
    return { error: { type: 'mcp_protocol_error', code: error.code, message }, message };
  }
  if (error instanceof AnswerTooLargeError) {
    const message = `The MCP server's answer was larger than ${error.maxBytes} bytes (MCP_MAX_ANSWER_BYTES).`;
    return { error: { type: 'http_error', code: 0, message }, message };
  }
  if (error instanceof StreamableHTTPError) {
    const message = `The MCP server answered HTTP ${error.code ?? 'error'}.`;
    return { error: { type: 'http_error', code: error.code ?? 0, message }, message };
  }
  const message = storableText(`The MCP server could not be reached: ${(error as Error).message}.`);
  return { error: { type: 'http_error', code: 0, message }, message };
}

/** A tool result as the text the model is given: its text parts, other parts as JSON. */
function contentText(content: Json[] | undefined, structured: Json | undefined): string {
  const parts = (content ?? []).map((part) => {
    const object = part as JsonObject;
    return object.type === 'text' && typeof object.text === 'string' ? object.text : JSON.stringify(part);
  });
  if (parts.length === 0 && structured !== undefined) return JSON.stringify(structured);
  return parts.join('\n');
}
