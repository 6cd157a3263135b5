import { Module } from '@nestjs/common';

import { JobQueue } from './job-queue.service';
import { JobWorker } from './job-worker';
import { JobsRepository } from './jobs.repository';

/** The durable queue of background work in Postgres, and the worker that runs it. It knows nothing of what a job does. */
@Module({ providers: [JobsRepository, JobQueue, JobWorker], exports: [JobQueue, JobWorker] })
export class JobsModule {}
