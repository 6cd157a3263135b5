import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { ModelsModule } from '../models/models.module';
import { ToolsModule } from '../tools/tools.module';
import { ResponseRunner } from './response-runner';
import { ResponsesController } from './responses.controller';
import { ResponsesRepository } from './responses.repository';
import { ResponsesService } from './responses.service';
import { StaleResponseSweeper } from './stale-response-sweeper';
import { ToolOutputsService } from './tool-outputs.service';

/** The Responses API: create, retrieve, stream, chain, delete. */
@Module({
  imports: [ModelsModule, EventsModule, ToolsModule],
  controllers: [ResponsesController],
  providers: [ResponsesRepository, ResponseRunner, ResponsesService, ToolOutputsService, StaleResponseSweeper],
})
export class ResponsesModule {}
