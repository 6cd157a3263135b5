import { Module } from '@nestjs/common';
import { ToolCallsRepository } from './tool-calls.repository';
import { ToolCallsService } from './tool-calls.service';
import { HostedToolRunner } from './hosted-tool-runner';
import { ToolOffers } from './tool-offers';

/** Tools: their definitions (tool-definitions.ts), what a backend is offered for them, the hosted tools' runs, and the state of the calls models make. */
@Module({ providers: [ToolCallsRepository, ToolCallsService, ToolOffers, HostedToolRunner], exports: [ToolCallsService, ToolOffers, HostedToolRunner] })
export class ToolsModule {}
