import { Injectable, Logger } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { newId } from '../common/ids';
import type { FunctionTool, InputItem, JsonObject, ResponseTool } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { METRICS } from '../metrics/metrics';
import type { HostedCallEvent, HostedTool } from '../tools/hosted-tools';
import { failureOf, type McpCallOutcome, McpConnection, type McpConnectionLimits, type McpToolInfo } from './mcp-connection';
import { mcpFetch } from './mcp-fetch';
import { McpHostPolicy } from './mcp-host-policy';
import { allowedTools, isRemoteMcp, type McpCredentials, mcpHostedTool, type McpToolEntry, needsApproval } from './mcp-tools';

/** A listing of a server's tools made for a run: its `mcp_list_tools` item, and the event that tells how it ended. */
export interface McpListing {
  item: JsonObject & { id: string; type: string };
  events: HostedCallEvent[];
}

/**
 * Told as a listing starts: its item, the item as its `output_item.added` announces it (no tools yet, as OpenAI's),
 * and how to end it if the response ends before the listing does (the item then holds an error, so that a later
 * turn lists the server again rather than take its tools to be none).
 */
export type McpListingStarted = (item: McpListing['item'], asAdded: JsonObject, cut: () => HostedCallEvent[]) => void;

/** A call the user approved in this request's input (an `mcp_approval_response`), to be made before the model answers. */
export interface ApprovedMcpCall {
  tool: HostedTool;
  argumentsText: string;
}

/** What remote MCP servers give one run; `close` ends its connections. */
export interface McpRun {
  listings: McpListing[];
  /** The servers' tools the model is offered, by offered name, and their functions. */
  tools: Map<string, HostedTool>;
  functions: FunctionTool[];
  approved: ApprovedMcpCall[];
  close(): Promise<void>;
}

/** One server for one run: connected on first use, then kept for the run's listing and calls. */
class McpServerSession {
  private connection?: Promise<McpConnection>;

  constructor(
    readonly entry: McpToolEntry,
    private readonly headers: Record<string, string>,
    private readonly policy: McpHostPolicy,
    private readonly limits: McpConnectionLimits,
  ) {}

  private connect(signal: AbortSignal): Promise<McpConnection> {
    this.connection ??= (async () => {
      const url = new URL(this.entry.server_url);
      const refused = await this.policy.check(url);
      if (refused) throw new Error(refused);
      return McpConnection.open(url, this.headers, this.limits, signal, () => (this.connection = undefined));
    })();
    // A failed connection is tried again by the next call.
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  async list(signal: AbortSignal): Promise<McpToolInfo[]> {
    return (await this.connect(signal)).listTools(signal);
  }

  readonly call = async (name: string, args: JsonObject, signal: AbortSignal): Promise<McpCallOutcome> => {
    let connection: McpConnection;
    try {
      connection = await this.connect(signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return failureOf(error);
    }
    return connection.call(name, args, signal);
  };

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}

/**
 * Remote MCP servers for runs (`{"type": "mcp", "server_url", …}` tools), through the official MCP SDK's client. Each
 * run lists each server's tools (an `mcp_list_tools` item; a chain that already holds one for the server reuses it),
 * offers them to the model, and makes the calls the user approved in its input. A server that is down or refused
 * fails its listing or its calls, never the run.
 */
@Injectable()
export class McpRuns {
  private readonly logger = new Logger(McpRuns.name);
  private readonly policy: McpHostPolicy;
  private readonly limits: McpConnectionLimits;

  constructor(config: AppConfig) {
    this.policy = new McpHostPolicy(config.MCP_ALLOWED_HOSTS);
    this.limits = { fetch: mcpFetch(this.policy), timeoutMs: config.MCP_TIMEOUT_MS, maxAnswerBytes: config.MCP_MAX_ANSWER_BYTES };
  }

  /** Whether requests' mcp tools are offered here. */
  get enabled(): boolean {
    return this.policy.enabled;
  }

  /** A 400 for an mcp tool whose server this server may not reach, before anything runs. */
  checkTools(tools: ResponseTool[]): void {
    tools.forEach((tool, index) => {
      if (!isRemoteMcp(tool)) return;
      const refused = this.policy.refusal(new URL(tool.server_url));
      if (refused) throw ApiError.badRequest(refused, `tools[${index}].server_url`, 'mcp_server_not_allowed');
    });
  }

  /**
   * Prepares a run whose tools hold remote MCP servers: `conversation` is what the model is given (earlier listings
   * and approvals are read from it). Nothing when there are none.
   */
  /** Whether a run with these tools has remote MCP servers to prepare. */
  runsAny(tools: ResponseTool[]): boolean {
    return this.enabled && tools.some(isRemoteMcp);
  }

  async prepare(
    tools: ResponseTool[],
    credentials: McpCredentials,
    conversation: InputItem[],
    signal: AbortSignal,
    started: McpListingStarted,
  ): Promise<McpRun | undefined> {
    const entries = this.enabled ? tools.filter(isRemoteMcp) : [];
    if (entries.length === 0) return undefined;
    const sessions = new Map(
      entries.map((entry) => [entry.server_label, new McpServerSession(entry, credentials[entry.server_label] ?? {}, this.policy, this.limits)]),
    );
    const run: McpRun = {
      listings: [],
      tools: new Map(),
      functions: [],
      approved: [],
      close: async () => void (await Promise.all([...sessions.values()].map((session) => session.close()))),
    };
    const listed = await Promise.all([...sessions.values()].map((session) => this.toolsOf(session, conversation, signal, started)));
    for (const [index, session] of [...sessions.values()].entries()) {
      const { tools: serverTools, listing } = listed[index];
      if (listing) run.listings.push(listing);
      for (const tool of allowedTools(session.entry, serverTools)) {
        const hosted = mcpHostedTool(session.entry.server_label, tool, session.call, { awaitsApproval: needsApproval(session.entry, tool) });
        run.tools.set(hosted.offered.name, hosted);
        run.functions.push(hosted.offered);
      }
    }
    run.approved = approvedCalls(conversation).map(({ request, approvalRequestId }) => {
      const label = String(request.server_label);
      const tool: McpToolInfo = { name: String(request.name), description: null, input_schema: {}, annotations: null };
      const session = sessions.get(label);
      const call =
        session?.call ??
        (async () => ({
          error: {
            type: 'http_error' as const,
            code: 0,
            message: `This request has no mcp tool with server_label '${label}': send it again with the approval.`,
          },
          message: 'the MCP server was not given again with the approval',
        }));
      return { tool: mcpHostedTool(label, tool, call, { awaitsApproval: false, approvalRequestId }), argumentsText: String(request.arguments ?? '{}') };
    });
    return run;
  }

  /** A server's tools: those a listing earlier in the conversation holds, or a new listing (with its item). */
  private async toolsOf(
    session: McpServerSession,
    conversation: InputItem[],
    signal: AbortSignal,
    started: McpListingStarted,
  ): Promise<{ tools: McpToolInfo[]; listing?: McpListing }> {
    const label = session.entry.server_label;
    const earlier = conversation.findLast((item) => item.type === 'mcp_list_tools' && item.server_label === label && !item.error);
    if (earlier) return { tools: earlier.tools as unknown as McpToolInfo[] };
    const item: McpListing['item'] = { id: newId('mcpl'), type: 'mcp_list_tools', server_label: label, tools: [] };
    const listing = (outcome: 'completed' | 'failed'): McpListing => ({ item, events: [{ type: `response.mcp_list_tools.${outcome}` }] });
    started(item, { ...item, tools: [] }, () => {
      item.error = 'The listing did not finish: the response ended first.';
      return listing('failed').events;
    });
    try {
      const tools = await session.list(signal);
      METRICS.mcpOperations.inc({ kind: 'list', outcome: 'completed' });
      item.tools = tools;
      return { tools, listing: listing('completed') };
    } catch (error) {
      if (signal.aborted) throw error;
      const { message } = failureOf(error);
      METRICS.mcpOperations.inc({ kind: 'list', outcome: 'failed' });
      this.logger.warn(`listing the tools of MCP server '${label}' failed: ${message}`);
      item.error = message;
      return { tools: [], listing: listing('failed') };
    }
  }
}

/** The approval requests the conversation approves and that no call has answered yet. */
function approvedCalls(conversation: InputItem[]): Array<{ request: InputItem; approvalRequestId: string }> {
  const made = new Set(conversation.filter((item) => item.type === 'mcp_call' && item.approval_request_id).map((item) => String(item.approval_request_id)));
  const requests = new Map(conversation.filter((item) => item.type === 'mcp_approval_request').map((item) => [String(item.id), item]));
  return conversation
    .filter((item) => item.type === 'mcp_approval_response' && item.approve === true && !made.has(String(item.approval_request_id)))
    .flatMap((item) => {
      const request = requests.get(String(item.approval_request_id));
      return request ? [{ request, approvalRequestId: String(item.approval_request_id) }] : [];
    });
}
