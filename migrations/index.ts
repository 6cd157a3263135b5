import { InitialSchema1764028800000 } from './1764028800000-InitialSchema';
import { EventPayloadAsJson1795650000000 } from './1795650000000-EventPayloadAsJson';
import { EventRuns1796000000000 } from './1796000000000-EventRuns';
import { RunningResponsesIndex1796100000000 } from './1796100000000-RunningResponsesIndex';
import { ResponseStreamFlag1796200000000 } from './1796200000000-ResponseStreamFlag';
import { OutputItemIdsIndex1796300000000 } from './1796300000000-OutputItemIdsIndex';
import { Conversations1796400000000 } from './1796400000000-Conversations';
import { ProcessLiveness1796500000000 } from './1796500000000-ProcessLiveness';
import { FairJobClaims1796600000000 } from './1796600000000-FairJobClaims';
import { RateLimitUsage1796700000000 } from './1796700000000-RateLimitUsage';
import { ServerSecrets1796800000000 } from './1796800000000-ServerSecrets';
import { JobRunContext1796900000000 } from './1796900000000-JobRunContext';
import { Webhooks1797000000000 } from './1797000000000-Webhooks';
import { ApiKeys1797100000000 } from './1797100000000-ApiKeys';
import { UsageDaily1797200000000 } from './1797200000000-UsageDaily';
import { Retention1797300000000 } from './1797300000000-Retention';
import { ApiKeyHashKinds1797400000000 } from './1797400000000-ApiKeyHashKinds';
import { ConversationItemSizes1797500000000 } from './1797500000000-ConversationItemSizes';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [
  InitialSchema1764028800000,
  EventPayloadAsJson1795650000000,
  EventRuns1796000000000,
  RunningResponsesIndex1796100000000,
  ResponseStreamFlag1796200000000,
  OutputItemIdsIndex1796300000000,
  Conversations1796400000000,
  ProcessLiveness1796500000000,
  FairJobClaims1796600000000,
  RateLimitUsage1796700000000,
  ServerSecrets1796800000000,
  JobRunContext1796900000000,
  Webhooks1797000000000,
  ApiKeys1797100000000,
  UsageDaily1797200000000,
  Retention1797300000000,
  ApiKeyHashKinds1797400000000,
  ConversationItemSizes1797500000000,
];
