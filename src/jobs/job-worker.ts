import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { isDatabaseUnreachable, retryWhileUnreachable } from '../common/database-errors';
import { GroupCommit } from '../common/group-commit';
import { AppConfig } from '../config/app-config';
import { PgNotifications } from '../database/pg-notifications';
import { type ClaimedJob, JOB_CANCEL_CHANNEL, JOB_QUEUED_CHANNEL, JobsRepository } from './jobs.repository';

/**
 * Why a job must stop: `cancelled`, a client cancelled it (stop the work and leave the response cancelled);
 * `released`, this process gives it up (shutdown, lost lease: stop without ending the response, another worker will
 * run it). The first reason given wins.
 */
export type StopReason = 'cancelled' | 'released';

export interface JobControl {
  /** Aborts when the job must stop; its `reason` is a StopReason. */
  stop: AbortSignal;
}

/** Runs one job to its end. Resolving means done (or, after `released`, stopped); throwing puts the job back in the queue. */
export type JobHandler = (job: ClaimedJob, control: JobControl) => Promise<void>;

/** Safety net for lost notifications and for taking over jobs whose lease ran out. */
const POLL_EVERY_MS = 1000;
/** Jobs claimed per query. */
const CLAIM_BATCH = 32;

interface RunningJob {
  stop: AbortController;
  done?: Promise<void>;
}

/**
 * Claims jobs from the Postgres queue (woken by NOTIFY, polling as a fallback), runs up to JOB_CONCURRENCY at once,
 * renews their leases every second (which also notices cancels whose notification was lost), and on shutdown lets
 * running jobs finish within SHUTDOWN_GRACE_MS before handing the rest back to the queue.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** This process's name on the leases it holds. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly logger = new Logger(JobWorker.name);
  private readonly running = new Map<string, RunningJob>();
  /** Jobs done whose mark is still being written, off their slots. */
  private readonly finishing = new Set<Promise<void>>();
  private readonly stops: Array<() => void> = [];
  /** Jobs that end together are marked done by one statement. */
  private readonly finished = new GroupCommit<string, void>(async (ids) => {
    await this.repository.finish(this.owner, ids);
    return ids.map(() => undefined);
  }, 1);
  private handler?: JobHandler;
  private claiming = false;
  private claimAgain = false;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly notifications: PgNotifications,
  ) {}

  /** The one handler for every job; the module that owns the work registers it at start-up. */
  register(handler: JobHandler): void {
    if (this.handler) throw new Error('JobWorker already has a handler');
    this.handler = handler;
  }

  onApplicationBootstrap(): void {
    if (!this.handler) throw new Error('JobWorker has no job handler registered');
    if (this.config.JOB_CONCURRENCY === 0) return;
    this.stops.push(
      this.notifications.listen(JOB_QUEUED_CHANNEL, () => this.poke()),
      this.notifications.listen(JOB_CANCEL_CHANNEL, (id) => stopJob(this.running.get(id), 'cancelled')),
      every(POLL_EVERY_MS, () => this.poke()),
      every(Math.min(1000, this.config.JOB_LEASE_MS / 3), () => void this.renewLeases()),
    );
    this.poke();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stops) stop();
    await this.finishOrHandBack();
    await Promise.all(this.finishing);
  }

  private async finishOrHandBack(): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`waiting up to ${this.config.SHUTDOWN_GRACE_MS} ms for ${this.running.size} running job(s)`);
    const finished = Promise.all([...this.running.values()].map((job) => job.done ?? Promise.resolve()));
    await Promise.race([finished, sleep(this.config.SHUTDOWN_GRACE_MS)]);
    if (this.running.size === 0) return;
    this.logger.log(`handing ${this.running.size} job(s) back to the queue`);
    for (const job of this.running.values()) stopJob(job, 'released');
    await finished;
  }

  /** Claims what there is room for; called on every wake-up. */
  poke(): void {
    if (this.stopping || !this.handler) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    this.claimLoop()
      .catch((error: unknown) => this.logger.error(`claiming jobs failed: ${String(error)}`))
      .finally(() => {
        this.claiming = false;
        // A job that ended after the loop's last look at the room.
        if (this.claimAgain) this.poke();
      });
  }

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const free = this.config.JOB_CONCURRENCY - this.running.size;
      const room = Math.min(CLAIM_BATCH, free);
      if (room <= 0 || this.stopping) return;
      // One place stays for the job of a tenant with none running (see JobsRepository.claim), unless there is one only.
      const openToAll = Math.min(room, free - (this.config.JOB_CONCURRENCY > 1 ? 1 : 0));
      const jobs = await this.repository.claim(this.owner, room, this.config.JOB_LEASE_MS, openToAll);
      for (const job of jobs) this.run(job);
      if (jobs.length === room) this.claimAgain = true;
    } while (this.claimAgain);
  }

  private run(job: ClaimedJob): void {
    const entry: RunningJob = { stop: new AbortController() };
    this.running.set(job.responseId, entry);
    entry.done = (async () => {
      try {
        await this.handler!(job, { stop: entry.stop.signal });
        if (entry.stop.signal.reason === 'released') await this.repository.release(this.owner, [job.responseId], false);
        else this.finish(job.responseId);
      } catch (error) {
        // A database that went away fails the job through no fault of its own: handed back without counting an
        // attempt, as soon as the database takes the hand-back (within the lease, after which it is taken over anyway).
        const unreachable = isDatabaseUnreachable(error);
        this.logger.error(
          `job ${job.responseId} failed (attempt ${job.attempts}${unreachable ? ', not counted: the database was unreachable' : ''}), back to the queue: ${String(error)}`,
        );
        await retryWhileUnreachable(() => this.repository.release(this.owner, [job.responseId], !unreachable), this.config.JOB_LEASE_MS).catch(() => undefined);
      } finally {
        this.running.delete(job.responseId);
        this.poke();
      }
    })();
  }

  /**
   * Marks a job done with the next batch, while its slot takes the next job: its response's end is durable already.
   * A mark that is lost leaves the job to run out its lease; whoever takes it over then finds it ended.
   */
  private finish(id: string): void {
    const finishing: Promise<void> = this.finished
      .add(id)
      .catch((error: unknown) => this.logger.warn(`could not mark job ${id} done; it will be found ended when its lease runs out: ${String(error)}`))
      .finally(() => this.finishing.delete(finishing));
    this.finishing.add(finishing);
  }

  private async renewLeases(): Promise<void> {
    try {
      const ids = [...this.running.keys()];
      const held = await this.repository.renew(this.owner, ids, this.config.JOB_LEASE_MS);
      // Only the jobs this renewal asked about: those claimed meanwhile hold fresh leases of their own.
      for (const id of ids) {
        const job = this.running.get(id);
        if (!job) continue;
        if (!held.has(id)) {
          this.logger.warn(`lost the lease of job ${id}; another worker has it now`);
          stopJob(job, 'released');
        } else if (held.get(id)) {
          stopJob(job, 'cancelled');
        }
      }
    } catch (error) {
      this.logger.warn(`renewing job leases failed: ${String(error)}`);
    }
  }
}

function stopJob(job: RunningJob | undefined, reason: StopReason): void {
  if (job && !job.stop.signal.aborted) job.stop.abort(reason);
}

function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}
