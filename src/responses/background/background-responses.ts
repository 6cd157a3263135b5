import { setTimeout as sleep } from 'node:timers/promises';

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { context, SpanKind, trace } from '@opentelemetry/api';

import { ApiError } from '../../common/api-error';
import { cancellationOfSignal } from '../../common/cancellation';
import { GroupCommit } from '../../common/group-commit';
import type { History } from '../../common/history';
import { fromLatestCompaction } from '../../common/openai/compaction';
import type { InputItem, ResponseObject } from '../../common/openai/types';
import { AppConfig } from '../../config/app-config';
import { ConversationsService } from '../../conversations/conversations.service';
import { EventLogService } from '../../events/event-log.service';
import { JobQueue } from '../../jobs/job-queue.service';
import { type JobControl, JobWorker } from '../../jobs/job-worker';
import type { ClaimedJob } from '../../jobs/jobs.repository';
import type { McpCredentials } from '../../mcp/mcp-tools';
import { ModelRegistry } from '../../models/model-registry.service';
import { ContentSealer, MCP_CREDENTIALS_PURPOSE } from '../../secrets/content-sealer';
import { ToolOffers } from '../../tools/tool-offers';
import { currentTraceContext, endSpan, isTracing, traceContextFrom, tracer } from '../../tracing/tracing';
import type { CreateResult } from '../create-result';
import { ResponseCloser } from '../runs/response-closer';
import { generationRequest, type Sampling } from '../runs/response-factory';
import { fittingItems, ResponseInputs } from '../runs/response-inputs';
import { conversationTurn, ResponseRunner, type Run } from '../runs/response-runner';
import { ResponseStreamBuilder } from '../runs/response-stream-builder';
import { isRunning, type RawResponseRow, samplingOfRow, toResponseObject } from '../store/response.mapper';
import { type ResponseKey, ResponsesRepository } from '../store/responses.repository';

/** A job claimed this many times without ending (its workers kept dying) is ended as failed rather than tried again. */
const MAX_ATTEMPTS = 3;
/** How long a cancel waits for the worker to stop before answering with the response as it stands. */
const CANCEL_WAIT_MS = 5000;

/**
 * Background responses: created as `queued` together with their job, run by whichever replica claims the job, and
 * followed or cancelled from any replica. A job taken over from a worker that died or shut down runs again from
 * the start: its new attempt opens with `response.in_progress` carrying the reset response (empty output), and the
 * final object holds that attempt's output only.
 */
@Injectable()
export class BackgroundResponses implements OnModuleInit {
  private readonly logger = new Logger(BackgroundResponses.name);
  /** Jobs claimed together start together: one statement moves them to in_progress, one reads their chains' items. */
  private readonly starts: GroupCommit<ResponseKey, RawResponseRow | null>;
  private readonly chains: GroupCommit<ResponseKey, History | null>;

  constructor(
    private readonly queue: JobQueue,
    private readonly worker: JobWorker,
    private readonly repository: ResponsesRepository,
    private readonly eventLog: EventLogService,
    private readonly runner: ResponseRunner,
    private readonly closer: ResponseCloser,
    private readonly models: ModelRegistry,
    private readonly conversations: ConversationsService,
    private readonly inputs: ResponseInputs,
    private readonly toolOffers: ToolOffers,
    private readonly sealer: ContentSealer,
    config: AppConfig,
  ) {
    this.starts = new GroupCommit((keys) => repository.startQueued(keys), 1);
    this.chains = new GroupCommit((keys) => repository.chains(keys, config.MAX_CONTEXT_BYTES), 1);
  }

  onModuleInit(): void {
    this.worker.register((job, control) => this.run(job, control));
  }

  /**
   * Stores the response as queued with its job, in one transaction. Only a response created with `stream: true` can
   * be streamed (as with OpenAI): its events are logged from here on; one that is polled logs none.
   */
  async enqueue(
    tenantId: string,
    response: ResponseObject,
    inputItems: InputItem[],
    sampling: Sampling,
    { stream, mcpCredentials = {}, keyId }: { stream: boolean; mcpCredentials?: McpCredentials; keyId?: string },
  ): Promise<CreateResult> {
    await this.queue.assertRoom(tenantId);
    const builder = new ResponseStreamBuilder(response, -1, { toolCallDeltaEvents: false, serialize: stream });
    const events = builder.queued();
    const queued = structuredClone(builder.response);
    await this.repository.inTransaction(async (manager) => {
      const lastSequenceNumber = stream ? builder.lastSequenceNumber : -1;
      await this.repository.insertMany([{ tenantId, response: queued, inputItems, sampling, lastSequenceNumber, stream }], manager);
      if (stream) await this.eventLog.append(queued.id, events, { manager, notify: true });
      // A worker on any replica calls the MCP servers with them: sealed with the job, never kept in clear.
      const sealed = Object.keys(mcpCredentials).length > 0 ? this.sealer.seal(tenantId, MCP_CREDENTIALS_PURPOSE, JSON.stringify(mcpCredentials)) : null;
      await this.queue.enqueue(manager, tenantId, queued.id, { sealedCredentials: sealed, apiKeyId: keyId, traceContext: currentTraceContext() });
    });
    if (stream) return { kind: 'stream', events: this.eventLog.follow(queued.id, -1, () => this.repository.isRunning(tenantId, queued.id)) };
    return { kind: 'object', response: queued };
  }

  /** Cancels a queued or running background response from any replica; a finished one comes back unchanged. */
  async cancel(tenantId: string, id: string): Promise<ResponseObject> {
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    if (!row.background) throw ApiError.badRequest('Cannot cancel a synchronous response.', null, null);
    if (!isRunning(row.status)) return toResponseObject(row);
    if ((await this.queue.requestCancel(id)) === 'signalled') {
      // Its worker stops it and stores it as cancelled; wait for that to show.
      for (let waited = 0; waited < CANCEL_WAIT_MS; waited += 50) {
        const now = await this.repository.find(tenantId, id);
        if (!now || !isRunning(now.status)) return toResponseObject(now ?? row);
        await sleep(50);
      }
    } else {
      await this.closer.cancel(row);
    }
    return toResponseObject((await this.repository.find(tenantId, id)) ?? row);
  }

  private credentialsOf(job: ClaimedJob): McpCredentials {
    const opened = job.sealedCredentials ? this.sealer.open(job.tenantId, MCP_CREDENTIALS_PURPOSE, job.sealedCredentials) : null;
    return opened ? (JSON.parse(opened) as McpCredentials) : {};
  }

  /** Runs a job in a span of the trace it was made in (the request that created the background response). */
  private async run(job: ClaimedJob, control: JobControl): Promise<void> {
    if (!isTracing()) return this.runJob(job, control);
    const parent = traceContextFrom(job.traceContext);
    const span = tracer().startSpan(
      'background response',
      {
        kind: SpanKind.CONSUMER,
        attributes: { 'responses.response_id': job.responseId, 'responses.tenant': job.tenantId, 'responses.job_attempt': job.attempts },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () => this.runJob(job, control));
      endSpan(span);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  }

  private async runJob(job: ClaimedJob, control: JobControl): Promise<void> {
    // The usual case, a queued response starting, shares one statement with the jobs claimed with it: it moves to
    // in_progress and is read, while its chain's items are read beside it (one round trip less before it starts). A
    // response leaves queued only there (or when cancelled), so one that is not fresh is in progress (taken over) or ended.
    const key = { tenantId: job.tenantId, id: job.responseId };
    const ending = job.cancelRequested || job.attempts > MAX_ATTEMPTS;
    const [fresh, chain] = ending ? [null, null] : await Promise.all([this.starts.add(key), this.chains.add(key)]);
    const row = fresh ?? (await this.repository.find(job.tenantId, job.responseId));
    if (!row || !isRunning(row.status)) return;
    if (job.cancelRequested) {
      await this.closer.cancel(row);
      return;
    }
    if (job.attempts > MAX_ATTEMPTS) {
      await this.closer.fail(row, { code: 'server_error', message: `The workers running this response stopped ${MAX_ATTEMPTS} times before it finished.` });
      return;
    }
    const response: ResponseObject = { ...toResponseObject(row), status: 'in_progress', output: [], usage: null, error: null, incomplete_details: null };
    const sampling = samplingOfRow(row);
    // A response that was still queued has only the events written with it; one taken over may have logged more.
    const lastSequenceNumber = fresh || !row.stream ? row.last_sequence_number : await this.eventLog.lastSequenceNumber(row.id, row.last_sequence_number);
    let run: Run;
    try {
      // A response in a conversation reads the conversation as it is when the response starts (a deleted one fails it).
      const history = response.conversation
        ? fittingItems(await this.conversations.history(job.tenantId, response.conversation.id), response.truncation, 'conversation')
        : [];
      const chainItems = chain ? fittingItems(chain, response.truncation, 'previous_response_id') : [];
      run = await this.runner.start({
        tenantId: job.tenantId,
        response,
        lastSequenceNumber,
        request: generationRequest(
          response,
          sampling,
          this.inputs.forModel(job.tenantId, fromLatestCompaction([...history, ...chainItems])),
          this.toolOffers.offer(response.tools),
        ),
        sampling,
        backend: this.models.backendFor(response.model),
        mcpCredentials: this.credentialsOf(job),
        keyId: job.apiKeyId ?? undefined,
        streamed: false,
        // Polled (not created with `stream: true`): nobody can read its events, and its backend answers in one piece.
        run: { kind: 'background', logged: row.stream, conversation: conversationTurn(response, chainItems) },
        cancellation: cancellationOfSignal(control.stop),
      });
    } catch (error) {
      // Stopped while the backend had not answered yet: handed over (left as it is), or cancelled.
      if (control.stop.reason === 'released') return;
      if (control.stop.reason === 'cancelled') {
        await this.closer.cancel({ ...row, status: 'in_progress' });
        return;
      }
      if (!(error instanceof ApiError)) throw error;
      // The backend refused the request (rate limit, unknown model, invalid request), or the response's conversation is
      // gone: the response fails with the reason.
      this.logger.warn(`background response ${row.id} could not start: ${error.message}`);
      await this.closer.fail({ ...row, status: 'in_progress' }, { code: error.code ?? 'server_error', message: error.message });
      return;
    }
    await runToEnd(run, control);
  }
}

/** Drives a run until it ends, is cancelled (stored as cancelled) or is released (left for another worker). */
function runToEnd(run: Run, control: JobControl): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const subscription = run.events.subscribe({ complete: () => void run.settled().then(resolve, reject), error: reject });
    const stop = (detach: boolean) => {
      if (subscription.closed) return;
      if (detach) run.detach();
      subscription.unsubscribe();
      run.settled().then(resolve, reject);
    };
    const onStop = () => stop(control.stop.reason === 'released');
    if (control.stop.aborted) onStop();
    else control.stop.addEventListener('abort', onStop, { once: true });
  });
}
