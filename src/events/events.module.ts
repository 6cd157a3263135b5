import { Module } from '@nestjs/common';

import { EventLogRepository } from './event-log.repository';
import { EventLogService } from './event-log.service';

/** The event log of stored responses, and serving events as SSE. */
@Module({ providers: [EventLogRepository, EventLogService], exports: [EventLogService] })
export class EventsModule {}
