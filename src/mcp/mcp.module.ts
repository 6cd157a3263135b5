import { Module } from '@nestjs/common';

import { McpRuns } from './mcp-runs';

/** Remote MCP servers that runs call (the `mcp` tool type), through the official MCP SDK's client. */
@Module({ providers: [McpRuns], exports: [McpRuns] })
export class McpModule {}
