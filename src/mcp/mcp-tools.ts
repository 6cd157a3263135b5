import type { JsonObject, OtherTool, ResponseTool } from '../common/openai/types';
import { METRICS } from '../metrics/metrics';
import type { HostedCallEvent, HostedCallResult, HostedTool } from '../tools/hosted-tools';
import { NAMESPACE_SEPARATOR } from '../tools/tool-definitions';
import type { McpCallOutcome, McpToolInfo } from './mcp-connection';

/** A request's `mcp` tool that names a remote server (connectors, which OpenAI runs, are not offered). */
export type McpToolEntry = OtherTool & { type: 'mcp'; server_label: string; server_url: string };

export function isRemoteMcp(tool: ResponseTool): tool is McpToolEntry {
  return tool.type === 'mcp' && typeof tool.server_url === 'string';
}

/** The headers each MCP server is called with (`headers`, and `authorization` as a bearer token), by server label. */
export type McpCredentials = Record<string, Record<string, string>>;

/** What a request's mcp tools carry to authenticate: used for the calls, never stored nor echoed in clear. */
export function mcpCredentialsOf(tools: ResponseTool[]): McpCredentials {
  const credentials: McpCredentials = {};
  for (const tool of tools.filter(isRemoteMcp)) {
    const headers = { ...((tool.headers ?? {}) as Record<string, string>) };
    if (typeof tool.authorization === 'string') headers.Authorization = `Bearer ${tool.authorization}`;
    if (Object.keys(headers).length > 0) credentials[tool.server_label] = headers;
  }
  return credentials;
}

/** The tools as a response echoes and stores them: mcp tools without their `headers` and `authorization` (as OpenAI). */
export function withoutCredentials(tools: ResponseTool[]): ResponseTool[] {
  if (!tools.some((tool) => tool.type === 'mcp')) return tools;
  return tools.map((tool) => {
    if (tool.type !== 'mcp') return tool;
    const { headers: _headers, authorization: _authorization, ...rest } = tool;
    return rest;
  });
}

type ToolFilter = { tool_names?: string[]; read_only?: boolean };

/** Whether a filter (`{tool_names, read_only}`, every given criterion) picks a tool. */
function picks(filter: ToolFilter | undefined, tool: McpToolInfo): boolean {
  if (!filter || (filter.tool_names === undefined && filter.read_only === undefined)) return false;
  if (filter.tool_names !== undefined && !filter.tool_names.includes(tool.name)) return false;
  if (filter.read_only !== undefined && (tool.annotations?.readOnlyHint === true) !== filter.read_only) return false;
  return true;
}

/** The tools of a server the model may use (`allowed_tools`: names, or a filter; unset: all). */
export function allowedTools(entry: McpToolEntry, tools: McpToolInfo[]): McpToolInfo[] {
  const allowed = entry.allowed_tools;
  if (allowed === undefined || allowed === null) return tools;
  if (Array.isArray(allowed)) return tools.filter((tool) => allowed.includes(tool.name));
  return tools.filter((tool) => picks(allowed as ToolFilter, tool));
}

/**
 * Whether a tool's calls wait for the user's approval (`require_approval`): `never`; `always` or unset (as OpenAI,
 * approval is asked by default); or `{never: filter, always: filter}`, where a tool neither filter picks is asked too.
 */
export function needsApproval(entry: McpToolEntry, tool: McpToolInfo): boolean {
  const policy = entry.require_approval;
  if (policy === 'never') return false;
  if (policy === undefined || policy === null || policy === 'always' || typeof policy !== 'object' || Array.isArray(policy)) return true;
  const { never, always } = policy as { never?: ToolFilter; always?: ToolFilter };
  if (picks(always, tool)) return true;
  return !picks(never, tool);
}

/** The name a backend is offered a server's tool by (the label keeps two servers' tools apart). */
export function offeredName(serverLabel: string, toolName: string): string {
  return `${serverLabel}${NAMESPACE_SEPARATOR}${toolName}`;
}

/** Runs a call of a server's tool (see McpServerSession). */
export type McpCaller = (name: string, args: JsonObject, signal: AbortSignal) => Promise<McpCallOutcome>;

/**
 * A server's tool as a hosted tool. Its calls are `mcp_call` items, streamed with `response.mcp_call.in_progress`,
 * `response.mcp_call_arguments.delta/done` and `response.mcp_call.completed/failed`; when its calls wait for approval,
 * they are `mcp_approval_request` items instead, which end the response. A call approved earlier carries the id of
 * its request.
 */
export function mcpHostedTool(
  serverLabel: string,
  tool: McpToolInfo,
  call: McpCaller,
  options: { awaitsApproval: boolean; approvalRequestId?: string },
): HostedTool {
  const name = offeredName(serverLabel, tool.name);
  return {
    offered: { type: 'function', name, description: tool.description, parameters: tool.input_schema, strict: null },
    idPrefix: options.awaitsApproval ? 'mcpr' : 'mcp',
    openItem: (): JsonObject & { type: string } =>
      options.awaitsApproval
        ? { type: 'mcp_approval_request', server_label: serverLabel, name: tool.name, arguments: '' }
        : {
            type: 'mcp_call',
            status: 'in_progress',
            server_label: serverLabel,
            name: tool.name,
            arguments: '',
            output: null,
            error: null,
            approval_request_id: options.approvalRequestId ?? null,
          },
    openedEvents: options.awaitsApproval ? [] : [{ type: 'response.mcp_call.in_progress' }],
    awaitsApproval: options.awaitsApproval,
    running: (argumentsText) => ({
      fields: { arguments: argumentsText },
      status: 'calling',
      events: <HostedCallEvent[]>[
        { type: 'response.mcp_call_arguments.delta', fields: { delta: argumentsText } },
        { type: 'response.mcp_call_arguments.done', fields: { arguments: argumentsText } },
      ],
    }),
    eventPrefix: 'response.mcp_call',
    hasFailedEvent: true,
    run: async (args, { signal }): Promise<HostedCallResult> => {
      const outcome = await call(tool.name, args, signal);
      METRICS.mcpOperations.inc({ kind: 'call', outcome: 'output' in outcome ? 'completed' : 'failed' });
      if ('output' in outcome) return { status: 'completed', fields: { output: outcome.output, error: null }, output: outcome.output };
      return { status: 'failed', fields: { output: null, error: outcome.error }, output: `The call failed: ${outcome.message}` };
    },
  };
}
