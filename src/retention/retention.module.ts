import { Module } from '@nestjs/common';

import { RetentionRepository } from './retention.repository';
import { RetentionPurger } from './retention-purger';

/** RETENTION_DAYS: what has expired is purged, by one replica at a time. */
@Module({ providers: [RetentionRepository, RetentionPurger] })
export class RetentionModule {}
