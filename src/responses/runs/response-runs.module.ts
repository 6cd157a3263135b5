import { Module } from '@nestjs/common';

import { ConversationsModule } from '../../conversations/conversations.module';
import { EventsModule } from '../../events/events.module';
import { McpModule } from '../../mcp/mcp.module';
import { ModelsModule } from '../../models/models.module';
import { RateLimitsModule } from '../../rate-limits/rate-limits.module';
import { SecretsModule } from '../../secrets/secrets.module';
import { ToolsModule } from '../../tools/tools.module';
import { UsageModule } from '../../usage/usage.module';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { ResponseStoreModule } from '../store/response-store.module';
import { ResponseCloser } from './response-closer';
import { ResponseCompaction } from './response-compaction';
import { ResponseInputs } from './response-inputs';
import { ResponseRunner } from './response-runner';
import { ResponseWrites } from './response-writes';
import { StaleResponseSweeper } from './stale-response-sweeper';

/**
 * Runs: one generation from backend chunks to Response events, with what it writes on the way (the durability rules
 * of ARCHITECTURE.md), the history a run starts from, and the ending of responses no run drives any more.
 */
@Module({
  imports: [
    ResponseStoreModule,
    ModelsModule,
    EventsModule,
    ToolsModule,
    McpModule,
    ConversationsModule,
    RateLimitsModule,
    SecretsModule,
    WebhooksModule,
    UsageModule,
  ],
  providers: [ResponseInputs, ResponseCompaction, ResponseRunner, ResponseWrites, ResponseCloser, StaleResponseSweeper],
  exports: [ResponseInputs, ResponseCompaction, ResponseRunner, ResponseCloser],
})
export class ResponseRunsModule {}
