import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

import type { Json, JsonObject } from '../common/openai/types';

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

/**
 * A connection to a remote MCP server with the official SDK's client: streamable HTTP, or the older HTTP+SSE
 * transport when the server answers the first with a 4xx (the fallback the MCP specification describes).
 */
export class McpConnection {
  private constructor(private readonly client: Client) {}

  static async open(url: URL, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<McpConnection> {
    const requestInit = { headers };
    const streamable = new Client(CLIENT_INFO);
    try {
      await streamable.connect(new StreamableHTTPClientTransport(url, { requestInit }), { timeout: timeoutMs, signal });
      return new McpConnection(streamable);
    } catch (error) {
      await streamable.close().catch(() => undefined);
      if (!(error instanceof StreamableHTTPError && error.code !== undefined && error.code >= 400 && error.code < 500)) throw error;
    }
    const sse = new Client(CLIENT_INFO);
    // The event stream's GET carries the headers too.
    const transport = new SSEClientTransport(url, {
      requestInit,
      eventSourceInit: { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
    await sse.connect(transport, { timeout: timeoutMs, signal });
    return new McpConnection(sse);
  }

  async listTools(timeoutMs: number, signal: AbortSignal): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs, signal });
      for (const tool of page.tools) {
        const { $schema: _, ...schema } = tool.inputSchema as JsonObject;
        tools.push({
          name: tool.name,
          description: tool.description ?? null,
          input_schema: schema,
          annotations: (tool.annotations as JsonObject | undefined) ?? null,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls a tool; a tool's own error, a protocol error or an HTTP error is an outcome, not a throw (an abort throws). */
  async call(name: string, args: JsonObject, timeoutMs: number, signal: AbortSignal): Promise<McpCallOutcome> {
    try {
      const result = await this.client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs, signal });
      const text = contentText(result.content as Json[] | undefined, result.structuredContent as Json | undefined);
      if (result.isError) return { error: { type: 'mcp_tool_execution_error', content: (result.content as Json) ?? [] }, message: text || 'The tool failed.' };
      return { output: text };
    } catch (error) {
      if (signal.aborted) throw error;
      return failureOf(error);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A connection or listing that failed, as a call's outcome. */
export function failureOf(error: unknown): { error: McpCallError; message: string } {
  if (error instanceof McpError) return { error: { type: 'mcp_protocol_error', code: error.code, message: error.message }, message: error.message };
  if (error instanceof StreamableHTTPError) {
    const message = `The MCP server answered HTTP ${error.code ?? 'error'}.`;
    return { error: { type: 'http_error', code: error.code ?? 0, message }, message };
  }
  const message = `The MCP server could not be reached: ${(error as Error).message}.`;
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
