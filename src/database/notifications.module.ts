import { DynamicModule, Global, Module } from '@nestjs/common';

import { DatabaseAvailability } from './database-availability';
import { HeavyReads } from './heavy-reads';
import { DATABASE_URL, PgNotifications } from './pg-notifications';

/** Postgres LISTEN/NOTIFY, the database's availability and the bulkhead for heavy reads, shared by every module of the process. */
@Global()
@Module({})
export class NotificationsModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [{ provide: DATABASE_URL, useValue: databaseUrl }, PgNotifications, DatabaseAvailability, HeavyReads],
      exports: [PgNotifications, DatabaseAvailability, HeavyReads],
    };
  }
}
