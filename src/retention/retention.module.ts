import { Module } from '@nestjs/common';
import { RetentionPurger } from './retention-purger';
import { RetentionRepository } from './retention.repository';

/** RETENTION_DAYS: what has expired is purged, by one replica at a time. */
@Module({ providers: [RetentionRepository, RetentionPurger] })
export class RetentionModule {}
