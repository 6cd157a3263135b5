import { Module } from '@nestjs/common';

import { RateLimitUsageRepository } from './rate-limit-usage.repository';
import { RateLimiter } from './rate-limiter';

/** Requests and tokens per minute per tenant, shared by every replica. */
@Module({ providers: [RateLimitUsageRepository, RateLimiter], exports: [RateLimiter] })
export class RateLimitsModule {}
