import { Module } from '@nestjs/common';

import { ConversationsModule } from '../../conversations/conversations.module';
import { EventsModule } from '../../events/events.module';
import { JobsModule } from '../../jobs/jobs.module';
import { ModelsModule } from '../../models/models.module';
import { SecretsModule } from '../../secrets/secrets.module';
import { ToolsModule } from '../../tools/tools.module';
import { ResponseRunsModule } from '../runs/response-runs.module';
import { ResponseStoreModule } from '../store/response-store.module';
import { BackgroundResponses } from './background-responses';

/** Background responses: queued with their job, run by the replica that claims it, cancelled, recovered. */
@Module({
  imports: [ResponseStoreModule, ResponseRunsModule, JobsModule, EventsModule, ModelsModule, ConversationsModule, ToolsModule, SecretsModule],
  providers: [BackgroundResponses],
  exports: [BackgroundResponses],
})
export class BackgroundResponsesModule {}
