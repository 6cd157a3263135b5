import { Module } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';

import { JobQueue } from '../jobs/job-queue.service';
import { JobsModule } from '../jobs/jobs.module';
import { MetricsController } from './metrics.controller';

/**
 * How often the event loop's delay is sampled for /metrics (nodejs_eventloop_lag_*): each sample includes this
 * period, so a loop never held reads as this much.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The queue's state, read when /metrics is scraped: by the application built last in this process. */
let queue: JobQueue | undefined;

/** Process metrics (event-loop lag, memory, GC), the service's own (see METRICS) and the job queue's, at /metrics. */
@Module({ imports: [JobsModule], controllers: [MetricsController] })
export class MetricsModule {
  constructor(jobs: JobQueue) {
    queue = jobs;
    if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
    collectDefaultMetrics({ eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // One query answers both gauges of a scrape: the first (collected first) asks, the second reads its answer.
    let stats: Promise<{ queued: number; oldestAgeSeconds: number } | undefined> = Promise.resolve(undefined);
    new Gauge({
      name: 'responses_server_jobs_queued',
      help: 'Background responses waiting for a worker.',
      async collect() {
        stats = (queue?.stats() ?? Promise.resolve(undefined)).catch(() => undefined);
        const now = await stats;
        if (now) this.set(now.queued);
      },
    });
    new Gauge({
      name: 'responses_server_jobs_oldest_queued_seconds',
      help: 'How long the oldest background response has waited for a worker (0 when none waits).',
      async collect() {
        const now = await stats;
        if (now) this.set(now.oldestAgeSeconds);
      },
    });
  }
}
