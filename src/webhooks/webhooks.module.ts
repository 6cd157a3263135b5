import { Module } from '@nestjs/common';

import { SecretsModule } from '../secrets/secrets.module';
import { AdminWebhooksController } from './admin-webhooks.controller';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** OpenAI's webhooks for background responses: recorded with their final state, delivered from the outbox by any replica. */
@Module({
  imports: [SecretsModule],
  controllers: [AdminWebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookDispatcher],
  exports: [WebhooksService],
})
export class WebhooksModule {}
