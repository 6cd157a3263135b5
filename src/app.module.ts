import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';

import { AuthModule } from './auth/auth.module';
import { TenantGuard } from './auth/tenant.guard';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { redactUrl } from './common/log-redaction';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { DatabaseAvailableGuard } from './database/database-available.guard';
import { NotificationsModule } from './database/notifications.module';
import { HealthModule } from './health/health.module';
import { clientRequestIdOf, requestIdOf } from './http/request-ids';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitGuard } from './rate-limits/rate-limit.guard';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { ResponsesModule } from './responses/responses.module';
import { RetentionModule } from './retention/retention.module';

/** Levels at which pino-http's request logs are written. */
const REQUEST_LOG_LEVELS = ['trace', 'debug', 'info'];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // Every log line written while a request is served carries its id (and the client's own, if it sent one),
          // at every level; the request's own line is written at info.
          pinoHttp: {
            level: config.LOG_LEVEL,
            genReqId: requestIdOf,
            customProps: (req) => {
              const clientRequestId = clientRequestIdOf(req);
              return clientRequestId ? { clientRequestId } : {};
            },
            autoLogging: REQUEST_LOG_LEVELS.includes(config.LOG_LEVEL) ? { ignore: (req) => ['/health', '/ready', '/metrics'].includes(req.url ?? '') } : false,
            // A request is logged as its method and URL (credential-like query parameters redacted), never its headers
            // (which carry the keys) nor its body. Every log line of the request carries this binding, built once per
            // request: kept small, it costs a few microseconds rather than a serialization of every header.
            serializers: {
              req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url ?? ''),
                remoteAddress: req.remoteAddress,
              }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
        TypeOrmModule.forRoot(dataSourceOptions(databaseUrl, config.DATABASE_POOL_SIZE)),
        NotificationsModule.forRoot(databaseUrl),
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
