import { DynamicModule, Global, Module } from '@nestjs/common';

import { DatabaseAvailability } from './database-availability';
import { DATABASE_URL, PgNotifications } from './pg-notifications';

/** Postgres LISTEN/NOTIFY and the database's availability, shared by every module of the process. */
@Global()
@Module({})
export class NotificationsModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [{ provide: DATABASE_URL, useValue: databaseUrl }, PgNotifications, DatabaseAvailability],
      exports: [PgNotifications, DatabaseAvailability],
    };
  }
}
