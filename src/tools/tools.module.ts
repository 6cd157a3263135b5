import { Module } from '@nestjs/common';
import { ToolCallsRepository } from './tool-calls.repository';
import { ToolCallsService } from './tool-calls.service';

/** Function tools: definitions (tool-definitions.ts) and the state of the calls models make. */
@Module({ providers: [ToolCallsRepository, ToolCallsService], exports: [ToolCallsService] })
export class ToolsModule {}
