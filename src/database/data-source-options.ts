import type { PoolClient } from 'pg';
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
    extra: {
      max: poolSize,
      Client: PreparingClient,
      // A database that does not answer fails a query after 5 s instead of holding it (and its request) forever.
      connectionTimeoutMillis: 5000,
      // Without JIT compilation. Statements are prepared and soon run generic plans, whose estimated cost on large tables
      // passes `jit_above_cost`; then each run compiled them again: a conversation's turn of 9 ms took 450 ms so on a
      // Postgres built with LLVM (Debian's, the official image), where `jit` is on by default. Set as each connection
      // opens rather than as a startup option, which connection poolers such as PgBouncer refuse.
      onConnect: (client: PoolClient) => client.query('SET jit = off'),
    },
  };
}
