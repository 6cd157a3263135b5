import { Module } from '@nestjs/common';

import { ConversationsModule } from '../conversations/conversations.module';
import { EventsModule } from '../events/events.module';
import { JobsModule } from '../jobs/jobs.module';
import { LivenessModule } from '../liveness/liveness.module';
import { McpModule } from '../mcp/mcp.module';
import { ModelsModule } from '../models/models.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ToolsModule } from '../tools/tools.module';
import { UsageModule } from '../usage/usage.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BackgroundResponses } from './background/background-responses';
import { ResponsesController } from './responses.controller';
import { ResponsesService } from './responses.service';
import { ResponseCloser } from './runs/response-closer';
import { ResponseCompaction } from './runs/response-compaction';
import { ResponseInputs } from './runs/response-inputs';
import { ResponseRunner } from './runs/response-runner';
import { ResponseWrites } from './runs/response-writes';
import { StaleResponseSweeper } from './runs/stale-response-sweeper';
import { ResponsesSocketServer } from './socket/responses-socket-server';
import { ResponsesRepository } from './store/responses.repository';
import { ToolOutputsService } from './tool-outputs.service';

/** The Responses API: create, retrieve, stream, chain, delete, run in the background, cancel. */
@Module({
  imports: [
    ModelsModule,
    EventsModule,
    ToolsModule,
    McpModule,
    JobsModule,
    ConversationsModule,
    LivenessModule,
    RateLimitsModule,
    SecretsModule,
    WebhooksModule,
    UsageModule,
  ],
  controllers: [ResponsesController],
  providers: [
    ResponsesRepository,
    ResponseInputs,
    ResponseCompaction,
    ResponseRunner,
    ResponsesService,
    ToolOutputsService,
    StaleResponseSweeper,
    ResponseCloser,
    BackgroundResponses,
    ResponseWrites,
    ResponsesSocketServer,
  ],
})
export class ResponsesModule {}
