import type { AppConfig } from '../config/app-config';
import type { PgNotifications } from '../database/pg-notifications';
import { type JobControl, JobWorker } from './job-worker';
import type { ClaimedJob, JobsRepository } from './jobs.repository';

const job = (responseId: string): ClaimedJob => ({
  responseId,
  tenantId: 't',
  attempts: 1,
  cancelRequested: false,
  sealedCredentials: null,
  apiKeyId: null,
  traceContext: null,
});

describe('JobWorker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps running a job it claimed while its leases were being renewed', async () => {
    let answerClaim!: (jobs: ClaimedJob[]) => void;
    const claims: Array<() => Promise<ClaimedJob[]>> = [async () => [job('a')], () => new Promise((resolve) => (answerClaim = resolve))];
    let answerRenewal!: (held: Map<string, boolean>) => void;
    const renewedIds: string[][] = [];
    const repository = {
      claim: () => claims.shift()?.() ?? Promise.resolve([]),
      renew: (_owner: string, ids: string[]) => {
        renewedIds.push(ids);
        return new Promise<Map<string, boolean>>((resolve) => (answerRenewal = resolve));
      },
      finish: async () => undefined,
      release: async () => undefined,
    } as unknown as JobsRepository;
    const notifications = { listen: () => () => undefined } as unknown as PgNotifications;
    const config = { JOB_CONCURRENCY: 4, JOB_LEASE_MS: 30_000, SHUTDOWN_GRACE_MS: 0 } as AppConfig;
    const worker = new JobWorker(config, repository, notifications);
    const controls = new Map<string, JobControl>();
    worker.register((claimed, control) => {
      controls.set(claimed.responseId, control);
      return new Promise<void>((resolve) => control.stop.addEventListener('abort', () => resolve()));
    });

    worker.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect([...controls.keys()]).toEqual(['a']);
    // One second on, the poll asks for more jobs and a's lease is renewed; b is claimed before the renewal is answered.
    await jest.advanceTimersByTimeAsync(1000);
    expect(renewedIds).toEqual([['a']]);
    answerClaim([job('b')]);
    await jest.advanceTimersByTimeAsync(0);
    expect([...controls.keys()]).toEqual(['a', 'b']);
    answerRenewal(new Map([['a', false]]));
    await jest.advanceTimersByTimeAsync(0);

    expect(controls.get('a')!.stop.aborted).toBe(false);
    expect(controls.get('b')!.stop.aborted).toBe(false);
    await worker.beforeApplicationShutdown();
  });

  it('takes the next job as soon as one ends, while the one that ended is marked done, and waits for that mark at shutdown', async () => {
    const claims = [[job('a')], [job('b')]];
    let markDone!: () => void;
    const marked: string[][] = [];
    const repository = {
      claim: async () => claims.shift() ?? [],
      renew: async () => new Map(),
      finish: (_owner: string, ids: string[]) => {
        marked.push(ids);
        return new Promise<void>((resolve) => (markDone = resolve));
      },
      release: async () => undefined,
    } as unknown as JobsRepository;
    const notifications = { listen: () => () => undefined } as unknown as PgNotifications;
    const config = { JOB_CONCURRENCY: 1, JOB_LEASE_MS: 30_000, SHUTDOWN_GRACE_MS: 0 } as AppConfig;
    const worker = new JobWorker(config, repository, notifications);
    const started: string[] = [];
    worker.register(async (claimed) => void started.push(claimed.responseId));

    worker.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    // a ended and is being marked done; its one slot already runs b.
    expect(marked).toEqual([['a']]);
    expect(started).toEqual(['a', 'b']);
    let shutDown = false;
    const shutdown = worker.beforeApplicationShutdown().then(() => (shutDown = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(shutDown).toBe(false);
    markDone();
    await jest.advanceTimersByTimeAsync(0);
    markDone(); // b's mark, written after a's
    await shutdown;
    expect(marked).toEqual([['a'], ['b']]);
  });
});
