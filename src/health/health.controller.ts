import { Controller, Get, type OnModuleDestroy } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { Public } from '../auth/tenant.guard';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController implements OnModuleDestroy {
  /** Set when shutdown starts: the load balancer stops sending requests while running ones drain. */
  private draining = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** The first shutdown hook, before jobs and connections drain (SHUTDOWN_GRACE_MS). */
  onModuleDestroy(): void {
    this.draining = true;
  }

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers and the process is not shutting down' })
  @HealthCheck()
  ready() {
    return this.health.check([
      () => (this.draining ? this.indicators.check('shutdown').down('draining') : this.indicators.check('shutdown').up()),
      () => this.database.pingCheck('database', { timeout: 2000 }),
    ]);
  }
}
