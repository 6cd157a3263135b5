import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

import { AuthModule } from './auth/auth.module';
import { TenantGuard } from './auth/tenant.guard';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { DatabaseAvailableGuard } from './database/database-available.guard';
import { NotificationsModule } from './database/notifications.module';
import { HealthModule } from './health/health.module';
import { AdmissionModule } from './http/admission.module';
import { createRootLogger } from './http/request-logging';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitGuard } from './rate-limits/rate-limit.guard';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { ResponsesModule } from './responses/responses.module';
import { RetentionModule } from './retention/retention.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string, logger: Logger = createRootLogger(config.LOG_LEVEL)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // The Nest logger writes through `logger`; each request's own logger is bound by `requestLogging` (server.ts).
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        TypeOrmModule.forRoot(dataSourceOptions(databaseUrl, config.DATABASE_POOL_SIZE)),
        NotificationsModule.forRoot(databaseUrl),
        AdmissionModule,
        AuthModule,
        RateLimitsModule,
        ResponsesModule,
        HealthModule,
        MetricsModule,
        RetentionModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: TenantGuard },
        { provide: APP_GUARD, useClass: DatabaseAvailableGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
