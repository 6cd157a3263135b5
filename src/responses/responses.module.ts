import { Module } from '@nestjs/common';

import { ConversationsModule } from '../conversations/conversations.module';
import { EventsModule } from '../events/events.module';
import { AdmissionModule } from '../http/admission.module';
import { McpModule } from '../mcp/mcp.module';
import { ModelsModule } from '../models/models.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { ToolsModule } from '../tools/tools.module';
import { BackgroundResponsesModule } from './background/background-responses.module';
import { ResponsesController } from './responses.controller';
import { ResponsesService } from './responses.service';
import { ResponseRunsModule } from './runs/response-runs.module';
import { ResponsesSocketServer } from './socket/responses-socket-server';
import { ResponseStoreModule } from './store/response-store.module';
import { ToolOutputsService } from './tool-outputs.service';

/**
 * The Responses API's surface: HTTP and WebSocket in, the use cases (create, retrieve, stream, delete, continue with
 * tool outputs), over its three parts: runs, background responses and the store.
 */
@Module({
  imports: [
    ResponseStoreModule,
    ResponseRunsModule,
    BackgroundResponsesModule,
    ModelsModule,
    EventsModule,
    ToolsModule,
    McpModule,
    ConversationsModule,
    RateLimitsModule,
    AdmissionModule,
  ],
  controllers: [ResponsesController],
  providers: [ResponsesService, ToolOutputsService, ResponsesSocketServer],
})
export class ResponsesModule {}
