import { Module } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { MetricsController } from './metrics.controller';

/** Process metrics (event-loop lag, memory, GC) and HTTP request metrics from pino-http, at /metrics. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {
  constructor() {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  }
}
