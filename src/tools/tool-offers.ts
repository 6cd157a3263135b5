import { Injectable, Logger } from '@nestjs/common';

import type { ResponseTool } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { McpHostPolicy } from '../mcp/mcp-host-policy';
import { type HostedTool, WEB_SEARCH_TYPES } from './hosted-tools';
import { offeredFunctions, type ToolOffer } from './tool-definitions';
import { searchProviderOf } from './web-search';
import { webSearchTool } from './web-search-tool';

/** What a request's tools offer the backend on this deployment, whose configuration says which hosted tools it runs. */
@Injectable()
export class ToolOffers {
  private readonly logger = new Logger(ToolOffers.name);
  /** The hosted tools that have a provider here, by the tool types that name them. */
  private readonly hosted = new Map<string, HostedTool>();
  /**
   * The offer of no tools, shared by every request that has none (most). An offer is otherwise worked out at each step
   * that needs it, and not kept: a cache keyed by each request's tools (a WeakMap) kept both alive through V8's
   * young-generation collections, so every request promoted its tools and their offer to the old generation, and a
   * full collection (a 40–125 ms stall on one core) came every few seconds at a few hundred creates a second.
   */
  private readonly noTools: ToolOffer;

  /** Whether remote MCP servers are offered (MCP_ALLOWED_HOSTS is not `none`). */
  private readonly remoteMcp: boolean;

  constructor(config: AppConfig) {
    this.remoteMcp = new McpHostPolicy(config.MCP_ALLOWED_HOSTS).enabled;
    const search = searchProviderOf(config);
    if (search) {
      const tool = webSearchTool(search, (message) => this.logger.warn(message));
      for (const type of WEB_SEARCH_TYPES) this.hosted.set(type, tool);
    }
    this.noTools = offeredFunctions([], this.hosted, this.remoteMcp);
    Object.freeze(this.noTools.functions);
    Object.freeze(this.noTools.notOffered);
  }

  offer(tools: ResponseTool[]): ToolOffer {
    return tools.length === 0 ? this.noTools : offeredFunctions(tools, this.hosted, this.remoteMcp);
  }
}
