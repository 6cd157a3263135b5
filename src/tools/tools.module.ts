import { Module } from '@nestjs/common';

import { ToolCallsRepository } from './tool-calls.repository';
import { ToolCallsService } from './tool-calls.service';
import { ToolOffers } from './tool-offers';

/** Tools: their definitions (tool-definitions.ts), what a backend is offered for them (with the hosted tools configured here), and the state of the calls models make. */
@Module({ providers: [ToolCallsRepository, ToolCallsService, ToolOffers], exports: [ToolCallsService, ToolOffers] })
export class ToolsModule {}
