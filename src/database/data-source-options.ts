import type { DataSourceOptions } from 'typeorm';

import { MIGRATIONS } from '../../migrations';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ConversationEntity } from '../conversations/conversation.entity';
import { ConversationItemEntity } from '../conversations/conversation-item.entity';
import { ResponseEventEntity } from '../events/response-event.entity';
import { JobEntity } from '../jobs/job.entity';
import { ProcessEntity } from '../liveness/process.entity';
import { RateLimitUsageEntity } from '../rate-limits/rate-limit-usage.entity';
import { ResponseEntity } from '../responses/store/response.entity';
import { ResponseInputItemEntity } from '../responses/store/response-input-item.entity';
import { ServerSecretEntity } from '../secrets/server-secret.entity';
import { ToolCallEntity } from '../tools/tool-call.entity';
import { UsageDailyEntity } from '../usage/usage-daily.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';
import { PreparingClient } from './preparing-client';

export const ENTITIES = [
  ResponseEntity,
  ResponseInputItemEntity,
  ResponseEventEntity,
  ToolCallEntity,
  JobEntity,
  ConversationEntity,
  ConversationItemEntity,
  ProcessEntity,
  RateLimitUsageEntity,
  ServerSecretEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  ApiKeyEntity,
  UsageDailyEntity,
];

/** The schema only ever changes through the migrations in /migrations; `synchronize` stays off. */
export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    // A database that does not answer fails a query after 5 s instead of holding it (and its request) forever.
    extra: { max: poolSize, Client: PreparingClient, connectionTimeoutMillis: 5000 },
  };
}
