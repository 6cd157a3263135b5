import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import type { Transaction } from '../database/transaction';
import { type JobRunContext, JobsRepository } from './jobs.repository';

/** Seconds a client is told to wait when the queue is full. */
const FULL_QUEUE_RETRY_AFTER_S = 5;

/** Putting background work in the durable queue, and asking for it to stop. */
@Injectable()
export class JobQueue {
  constructor(
    private readonly config: AppConfig,
    private readonly repository: JobsRepository,
  ) {}

  /**
   * Refuses new work with 429 while the queue holds MAX_QUEUED_JOBS, or the tenant's share of it: one tenant's
   * backlog cannot fill the queue for the others.
   */
  async assertRoom(tenantId: string): Promise<void> {
    const queued = await this.repository.countQueued(tenantId);
    if (queued.all >= this.config.MAX_QUEUED_JOBS) {
      throw ApiError.tooManyRequests('Too many background responses are queued; retry later.', FULL_QUEUE_RETRY_AFTER_S, 'queue_full');
    }
    if (queued.tenant >= this.config.maxQueuedJobsPerTenant) {
      throw ApiError.tooManyRequests(
        `Your organization has ${queued.tenant} background responses queued, its share of the queue; retry when some have started.`,
        FULL_QUEUE_RETRY_AFTER_S,
        'queue_full',
      );
    }
  }

  /** Queues the job of a response inside the caller's transaction (the response row must be written in it too). */
  enqueue(manager: Transaction, tenantId: string, responseId: string, context: JobRunContext = {}): Promise<void> {
    return this.repository.enqueue(manager, tenantId, responseId, context);
  }

  /** How many jobs wait for a worker, and how long the oldest has (for /metrics). */
  stats(): Promise<{ queued: number; oldestAgeSeconds: number }> {
    return this.repository.queueStats();
  }

  /** See JobsRepository.requestCancel. */
  requestCancel(responseId: string): Promise<'dequeued' | 'signalled' | 'none'> {
    return this.repository.requestCancel(responseId);
  }
}
