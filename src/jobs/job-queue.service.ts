import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { JobsRepository } from './jobs.repository';

/** Seconds a client is told to wait when the queue is full. */
const FULL_QUEUE_RETRY_AFTER_S = 5;

/** Putting background work in the durable queue, and asking for it to stop. */
@Injectable()
export class JobQueue {
  constructor(
    private readonly config: AppConfig,
    private readonly repository: JobsRepository,
  ) {}

  /** Refuses new work with 429 while the queue holds MAX_QUEUED_JOBS. */
  async assertRoom(): Promise<void> {
    if ((await this.repository.countQueued()) >= this.config.MAX_QUEUED_JOBS) {
      throw ApiError.tooManyRequests('Too many background responses are queued; retry later.', FULL_QUEUE_RETRY_AFTER_S, 'queue_full');
    }
  }

  /** Queues the job of a response inside the caller's transaction (the response row must be written in it too). */
  enqueue(manager: EntityManager, tenantId: string, responseId: string): Promise<void> {
    return this.repository.enqueue(manager, tenantId, responseId);
  }

  /** See JobsRepository.requestCancel. */
  requestCancel(responseId: string): Promise<'dequeued' | 'signalled' | 'none'> {
    return this.repository.requestCancel(responseId);
  }
}
