import { Injectable, Logger } from '@nestjs/common';
import { context, type Span, trace } from '@opentelemetry/api';
import { finalize, Observable, type Subscription } from 'rxjs';

import { ApiError } from '../../common/api-error';
import { type Cancellation, CancellationSource } from '../../common/cancellation';
import { isDatabaseUnreachable } from '../../common/database-errors';
import type { InputItem, ResponseErrorBody, ResponseObject } from '../../common/openai/types';
import { toApiError } from '../../common/to-api-error';
import { AppConfig } from '../../config/app-config';
import type { ConversationAppend } from '../../conversations/conversations.service';
import { EventLogService, type EventLogWriter } from '../../events/event-log.service';
import type { SerializedEvent } from '../../events/serialized-event';
import { type McpRun, McpRuns } from '../../mcp/mcp-runs';
import type { McpCredentials } from '../../mcp/mcp-tools';
import { METRICS, MODEL_LABEL } from '../../metrics/metrics';
import { GenerationFailure } from '../../models/backend-errors';
import type { GenerateOptions, GenerationChunk, GenerationRequest, ModelBackend } from '../../models/generation';
import { RateLimiter } from '../../rate-limits/rate-limiter';
import { ContentSealer, REASONING_PURPOSE } from '../../secrets/content-sealer';
import { ToolCallsService } from '../../tools/tool-calls.service';
import { ToolOffers } from '../../tools/tool-offers';
import { endSpan, isTracing, tracedGeneration, tracer } from '../../tracing/tracing';
import type { UsageEntry } from '../../usage/usage.repository';
import { UsageService } from '../../usage/usage.service';
import { ResponsesRepository } from '../store/responses.repository';
import { ResponseCompaction } from './response-compaction';
import type { Sampling } from './response-factory';
import { type HostedCall, ResponseStreamBuilder, toolCallLimitReached } from './response-stream-builder';
import { ResponseWrites } from './response-writes';
import { StaleResponseSweeper } from './stale-response-sweeper';

/**
 * The kinds of run, which say what a run writes and when (ARCHITECTURE.md, durability rules). A run of a response in
 * a conversation adds its `conversation` turn with its final state.
 * - `ephemeral` (`store: false`): nothing.
 * - `stored`, a new stored response: streamed, it is inserted (with its input items) as it starts, so that it can be
 *   read while it runs, and its events are logged; otherwise it is written once, whole, at the end.
 * - `background`, a queued response a worker runs: its opening is logged at once (its followers, on any replica,
 *   learn at once that it started); its events are logged when it was created with `stream: true` (`logged`).
 * - `continuation`, a response going on after its tool outputs: its events are logged when they are streamed or
 *   were logged before (`logged`).
 */
export type RunKind =
  | { kind: 'ephemeral' }
  | { kind: 'stored'; inputItems: InputItem[]; conversation?: ConversationTurn }
  | { kind: 'background'; logged: boolean; conversation?: ConversationTurn }
  | { kind: 'continuation'; logged: boolean; conversation?: ConversationTurn };

/** What a kind of run writes, as the runner reads it. */
type Persistence =
  | { kind: 'none' }
  | { kind: 'stored'; tenantId: string; logEvents: boolean; newInputItems?: InputItem[]; notifyFollowers: boolean; conversation?: ConversationTurn };

function persistenceOf({ run, tenantId, streamed }: RunSpec): Persistence {
  switch (run.kind) {
    case 'ephemeral':
      return { kind: 'none' };
    case 'stored':
      return { kind: 'stored', tenantId, logEvents: streamed, newInputItems: run.inputItems, notifyFollowers: false, conversation: run.conversation };
    case 'background':
      return { kind: 'stored', tenantId, logEvents: run.logged, notifyFollowers: true, conversation: run.conversation };
    case 'continuation':
      return { kind: 'stored', tenantId, logEvents: run.logged, notifyFollowers: false, conversation: run.conversation };
  }
}

/** What a run adds to its response's conversation if it completes (or ends incomplete): its input, then its output. */
export interface ConversationTurn {
  id: string;
  /** The run's input items: the request's, or the tool outputs a continuation goes on with. */
  inputItems: InputItem[];
  /** The response's output items from this index on are this run's. */
  outputFrom: number;
}

export interface RunSpec {
  /** Whose run it is: its tokens count against this tenant's rate limit. */
  tenantId: string;
  response: ResponseObject;
  /** Sequence number the run's events continue from (-1 for a new response). */
  lastSequenceNumber: number;
  /** What kind of run it is: what it writes, and when. */
  run: RunKind;
  request: GenerationRequest;
  /** The client's explicit sampling settings, stored so that continuations send the same. */
  sampling: Sampling;
  backend: ModelBackend;
  /** Whether a client reads the events as a stream. */
  streamed: boolean;
  /** Also emit `response.tool_call.delta`, for the clients of our documented tool-call workflow (never with STRICT_EVENTS). */
  legacyEvents?: boolean;
  /** The managed API key the run was asked with: its usage counts to it. */
  keyId?: string;
  /** The run's span (set by the runner: callers leave it out). */
  span?: Span;
  /** The headers of the request's remote MCP servers, by server label: used for the run, never stored in clear. */
  mcpCredentials?: McpCredentials;
  /** Give reasoning items their content sealed (`include: ["reasoning.encrypted_content"]`). */
  sealReasoning?: boolean;
  /** Stops the backend while `start` waits for it to answer (a whole answer comes only at its end): `start` then rejects. */
  cancellation?: Cancellation;
}

export interface Run {
  /** The events, hot once subscribed; unsubscribing before the end cancels the run. Subscribe once. */
  events: Observable<SerializedEvent>;
  /** The response as the run builds it. */
  response: ResponseObject;
  /**
   * Makes unsubscribing stop the backend without ending the response (no cancel, state left as it is), for a job
   * handed to another worker that will run it again.
   */
  detach(): void;
  /** Resolves once what the run wrote (its end, or its log when detached) is durable. */
  settled(): Promise<void>;
}

/** The model's first turn of a run, as its preparation leaves it: the model's answer or refusal. */
interface FirstTurn {
  spec: RunSpec;
  chunks?: Observable<GenerationChunk>;
  failure?: unknown;
  mcp?: McpRun;
}

interface RunControl {
  detached: boolean;
  settled: Promise<void>;
}

/**
 * Runs one generation: backend chunks in, Response events out, state persisted on the way. The live stream never
 * waits for the event log; only the terminal event waits until the final state is durable, so that a client that
 * saw `response.completed` can read and chain the response at once.
 */
@Injectable()
export class ResponseRunner {
  private readonly logger = new Logger(ResponseRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly responses: ResponsesRepository,
    private readonly writes: ResponseWrites,
    private readonly eventLog: EventLogService,
    private readonly toolCalls: ToolCallsService,
    private readonly sweeper: StaleResponseSweeper,
    private readonly rateLimiter: RateLimiter,
    private readonly sealer: ContentSealer,
    private readonly toolOffers: ToolOffers,
    private readonly compaction: ResponseCompaction,
    private readonly mcp: McpRuns,
    private readonly usage: UsageService,
  ) {}

  /**
   * Resolves once the backend accepted the request. Errors that are the request's (rate limit, bad request,
   * unknown model) reject here, before any event, so that they can still be HTTP errors.
   */
  async start(spec: RunSpec): Promise<Run> {
    // Untraced, a run makes no span and enters no context (about 8 µs a create on Node 24, for spans that record nothing).
    if (!isTracing()) return this.startRun({ span: undefined, ...spec });
    const span = tracer().startSpan('response', {
      attributes: {
        'responses.response_id': spec.response.id,
        'responses.tenant': spec.tenantId,
        'gen_ai.request.model': spec.response.model,
        'responses.run': spec.run.kind,
        'responses.stream': spec.streamed,
      },
    });
    try {
      // The span before the spread: an object literal that opens with a spread and adds properties after it gets a
      // hidden class of its own in Node 20's V8, made in the old generation (see bench/HISTORY.md, "Hidden classes").
      return await context.with(trace.setSpan(context.active(), span), () => this.startRun({ span, ...spec }));
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  }

  private async startRun(spec: RunSpec): Promise<Run> {
    const { response } = spec;
    const persistence = persistenceOf(spec);
    const logged = persistence.kind === 'stored' && persistence.logEvents;
    const builder = new ResponseStreamBuilder(response, spec.lastSequenceNumber, {
      toolCallDeltaEvents: spec.legacyEvents === true && !this.config.STRICT_EVENTS,
      // Nobody reads the events of a response that is neither streamed nor logged: skip writing them out.
      serialize: spec.streamed || logged,
      ...this.namesOfOffered(response),
      sealReasoning: spec.sealReasoning
        ? (item) => this.sealer.seal(spec.tenantId, REASONING_PURPOSE, JSON.stringify({ summary: item.summary, content: item.content ?? [] }))
        : undefined,
    });
    const log = logged ? this.eventLog.writer(response.id, { notify: persistence.notifyFollowers }) : undefined;
    // A new response opens with response.created; one that exists (queued, or going on) with response.in_progress.
    const opening = spec.run.kind === 'stored' || spec.run.kind === 'ephemeral' ? builder.created() : builder.inProgress();
    // A background job is in progress once a worker has it; a backend that then refuses ends it after the opening.
    const openingLogged = spec.run.kind === 'background' && log !== undefined;
    if (openingLogged) log.append(opening);
    // What stops the run: its backend calls, tools and MCP servers stop with it. The caller's cancellation stops it until
    // the backend answers; from then on the consumer stops it by unsubscribing.
    const stop = new CancellationSource();
    if (spec.cancellation?.requested) stop.request();
    const stopListening = spec.cancellation?.onRequest(() => stop.request());
    if (this.opensBeforePreparing(spec)) return this.startOpened(spec, builder, log, opening, stop, stopListening);
    // What the preparation tells joins the opening; a background job's followers read it as it comes.
    const prepared = await this.prepare(spec, builder, stop, (events) => {
      if (openingLogged) log.append(events);
      opening.push(...events);
    });
    spec = prepared.spec;
    const insertsFirst = persistence.kind === 'stored' && persistence.logEvents && persistence.newInputItems !== undefined;
    // A new response's row and its opening events commit together: one round trip instead of two.
    const inserted = insertsFirst ? this.insertOpening(spec, persistence, opening) : Promise.resolve();
    let chunks: Observable<GenerationChunk> | undefined;
    let openFailure: GenerationFailure | undefined;
    const [insertResult, openResult] = await Promise.allSettled([inserted, this.generate(spec, spec.request, { stop, incremental: spec.streamed || logged })]);
    stopListening?.();
    if (openResult.status === 'fulfilled') chunks = openResult.value;
    else if (openResult.reason instanceof GenerationFailure) openFailure = openResult.reason;
    // Stopped by the caller: whatever the backend said about it (an aborted request) is no failure of the response.
    const stopped = spec.cancellation?.requested === true;
    if (insertResult.status === 'rejected' || stopped || (openResult.status === 'rejected' && !openFailure)) {
      stop.request();
      if (insertResult.status === 'fulfilled' && insertsFirst) {
        await this.responses.delete(persistence.tenantId, response.id).catch(() => undefined);
      }
      await prepared.mcp?.close();
      if (insertResult.status === 'rejected') throw insertResult.reason;
      // Whoever ends the response next appends after the opening: it must be in the log by then.
      if (openingLogged) await log.flush().catch(() => undefined);
      throw stopped ? new DOMException('The run was stopped before the backend answered.', 'AbortError') : (openResult as PromiseRejectedResult).reason;
    }
    const control: RunControl = { detached: false, settled: Promise.resolve() };
    if (insertsFirst) log!.wroteElsewhere();
    const first: FirstTurn = { spec, chunks, failure: openFailure };
    const events = this.events(spec, builder, log, { events: opening, logged: openingLogged || insertsFirst }, stop, first, control);
    const { mcp } = prepared;
    return {
      // An operator only where there is something to close: every event of the run passes through it.
      events: mcp ? events.pipe(finalize(() => void mcp.close())) : events,
      response,
      detach: () => (control.detached = true),
      settled: () => control.settled,
    };
  }

  /**
   * Whether a run opens its stream before it prepares: a new streamed response whose preparation may take seconds
   * (compaction asks the model; remote MCP servers are listed, and approved calls made). Its client then hears
   * `response.created` at once, as from OpenAI, and not only once the preparation is done.
   */
  private opensBeforePreparing(spec: RunSpec): boolean {
    const isNew = spec.run.kind === 'stored' || spec.run.kind === 'ephemeral';
    return spec.streamed && isNew && (spec.sampling.compactThreshold !== undefined || this.mcp.runsAny(spec.response.tools));
  }

  /**
   * Starts a run that opens before it prepares (see opensBeforePreparing). Resolves once a stored response's row and
   * opening are durable (a client that reads `response.created` can read the response); what comes of the preparation
   * and of the model's first turn, a refusal included, then comes in the stream.
   */
  private async startOpened(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    log: EventLogWriter | undefined,
    opening: SerializedEvent[],
    stop: CancellationSource,
    stopListening: (() => void) | undefined,
  ): Promise<Run> {
    const { response } = spec;
    const persistence = persistenceOf(spec);
    const inserts = persistence.kind === 'stored' && persistence.newInputItems !== undefined;
    try {
      if (inserts) {
        await this.insertOpening(spec, persistence, opening);
        log!.wroteElsewhere();
      }
    } finally {
      stopListening?.();
    }
    if (spec.cancellation?.requested) {
      if (inserts) await this.responses.delete(persistence.tenantId, response.id).catch(() => undefined);
      throw new DOMException('The run was stopped before it started.', 'AbortError');
    }
    // Prepared once the stream is read, its events going out as they come.
    let prepared: Promise<FirstTurn> | undefined;
    const first = (out: (events: SerializedEvent[]) => void) =>
      (prepared = this.prepare(spec, builder, stop, out).then(async ({ spec: ready, mcp }) => {
        const turn: FirstTurn = { spec: ready, mcp };
        try {
          turn.chunks = await this.generate(ready, ready.request, { stop, incremental: true });
        } catch (error) {
          turn.failure = error;
        }
        return turn;
      }));
    const closeMcp = () => void prepared?.then((turn) => turn.mcp?.close()).catch(() => undefined);
    const control: RunControl = { detached: false, settled: Promise.resolve() };
    const events = this.events(spec, builder, log, { events: opening, logged: inserts }, stop, first, control);
    return {
      events: events.pipe(finalize(closeMcp)),
      response,
      detach: () => (control.detached = true),
      settled: () => control.settled,
    };
  }

  /** A new response's row, in progress, with its input items and its opening events: one commit. */
  private insertOpening(spec: RunSpec, persistence: Extract<Persistence, { kind: 'stored' }>, opening: SerializedEvent[]): Promise<void> {
    return this.writes.insert(
      {
        tenantId: persistence.tenantId,
        response: { ...spec.response, status: 'in_progress' },
        inputItems: persistence.newInputItems!,
        sampling: spec.sampling,
        lastSequenceNumber: spec.lastSequenceNumber,
        stream: spec.streamed,
      },
      { log: { events: opening, notify: persistence.notifyFollowers } },
    );
  }

  private events(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    log: EventLogWriter | undefined,
    opening: { events: SerializedEvent[]; logged: boolean },
    stop: CancellationSource,
    /** The first turn, or how to prepare it, given where the preparation's events go. */
    first: FirstTurn | ((out: (events: SerializedEvent[]) => void) => Promise<FirstTurn>),
    control: RunControl,
  ): Observable<SerializedEvent> {
    return new Observable<SerializedEvent>((subscriber) => {
      const untrack = log ? this.sweeper.track(spec.response.id) : () => undefined;
      let ended = false;
      let upstream: Subscription | undefined;
      const emit = (events: SerializedEvent[]) => {
        log?.append(events);
        for (const event of events) subscriber.next(event);
      };
      const end = (events: SerializedEvent[]) => {
        if (ended) return;
        ended = true;
        // The items close at once; the terminal event waits until the final state is durable (for this client and,
        // through the log, for every follower), so that whoever sees it can read the response as it ended.
        const terminal = events[events.length - 1];
        const closing = events.slice(0, -1);
        log?.append(closing);
        for (const event of closing) subscriber.next(event);
        let delivered = false;
        const deliver = () => {
          delivered = true;
          subscriber.next(terminal);
          subscriber.complete();
        };
        (control.settled = this.persistEnd(spec, builder, log, terminal, deliver).finally(untrack)).catch((error: unknown) => {
          this.logger.error(`could not store the end of ${spec.response.id}: ${String(error)}`);
          if (!delivered) subscriber.error(unstored(error));
        });
      };

      // The first model turn (after what came of the preparation); one that called hosted tools is followed by their
      // runs and the next turn.
      const startTurns = ({ spec: prepared, chunks, failure }: FirstTurn) => {
        if (ended) {
          // Left while the run prepared: the backend's answer, if any, is let go.
          chunks?.subscribe({ error: () => undefined }).unsubscribe();
          return;
        }
        if (failure || !chunks) return end(builder.fail(failureBody(failure)));
        const turns = new ModelTurns(prepared, builder.response.output.length);
        const runTurn = (turnChunks: Observable<GenerationChunk>) => {
          upstream = turnChunks.subscribe({
            next: (chunk) => emit(builder.push(chunk)),
            error: (error: unknown) => end(builder.fail(failureBody(error))),
            complete: () => {
              if (!builder.calledHostedTools) return end(builder.complete());
              this.runHostedCalls(prepared, builder, turns, emit, stop).then(
                (next) => {
                  if (ended) return;
                  if (next) runTurn(next);
                  else end(builder.complete());
                },
                (error: unknown) => {
                  if (!ended) end(builder.fail(failureBody(error)));
                },
              );
            },
          });
        };
        runTurn(chunks);
      };
      if (opening.logged) opening.events.forEach((event) => subscriber.next(event));
      else emit(opening.events);
      if (typeof first === 'function') {
        const out = (events: SerializedEvent[]) => {
          if (!ended) emit(events);
        };
        first(out).then(startTurns, (error: unknown) => {
          if (!ended) end(builder.fail(failureBody(error)));
        });
      } else startTurns(first);
      return () => {
        upstream?.unsubscribe();
        if (ended) return;
        ended = true;
        stop.request();
        if (control.detached) {
          spec.span?.setAttribute('responses.status', 'released');
          spec.span?.end();
          control.settled = (log?.flush() ?? Promise.resolve()).finally(untrack);
          return;
        }
        // The consumer left before the end (client disconnect, cancel): stop the backend and keep what exists.
        const events = builder.cancel();
        log?.append(events.slice(0, -1));
        control.settled = this.persistEnd(spec, builder, log, events[events.length - 1]).finally(untrack);
        control.settled.catch((error: unknown) => this.logger.error(`could not store the cancellation of ${spec.response.id}: ${String(error)}`));
      };
    });
  }

  /**
   * What comes before the model's first turn, in this order: the conversation compacted when it has grown past the
   * request's `context_management` threshold; the tools of the request's remote MCP servers listed (and offered);
   * the MCP calls the user approved in the input made. Gives the run's spec with the model's request as they leave
   * it, and the items' events.
   */
  private async prepare(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    stop: CancellationSource,
    out: (events: SerializedEvent[]) => void,
  ): Promise<{ spec: RunSpec; mcp?: McpRun }> {
    let request = spec.request;
    const threshold = spec.sampling.compactThreshold;
    const compaction = threshold
      ? await this.compaction.compactForRun(spec.tenantId, spec.backend, request, threshold, stop).catch(() => undefined)
      : undefined;
    // Stopped meanwhile (its client left): the run ends, and a response that has ended stays as it ended.
    if (stop.requested) return { spec };
    if (compaction) {
      request = { ...request, input: compaction.input };
      out(builder.compacted(compaction.item, compaction.usage));
    }
    // A signal only for a run that has MCP servers: most have none.
    const mcp = !this.mcp.runsAny(spec.response.tools)
      ? undefined
      : await this.mcp
          .prepare(spec.response.tools, spec.mcpCredentials ?? {}, request.input, stop.signal, (item, asAdded, cut) => {
            if (!stop.requested) out(builder.openItem(item, asAdded, [{ type: 'response.mcp_list_tools.in_progress' }], cut));
          })
          .catch((error: unknown) => {
            if (stop.requested) return undefined;
            this.logger.error(`preparing the MCP servers of ${spec.response.id} failed: ${String(error)}`);
            out(builder.closeOpenedItems());
            return undefined;
          });
    if (stop.requested) return { spec, mcp };
    if (mcp) {
      for (const { item, events: listed } of mcp.listings) out(builder.closeItem(item, listed));
      builder.offerHostedTools(mcp.tools);
      request = { ...request, tools: [...request.tools, ...mcp.functions] };
      const exchanges: InputItem[] = [];
      for (const approved of mcp.approved) {
        const { call, events: opened } = builder.openHostedCall(approved.tool, approved.argumentsText);
        out([...opened, ...builder.hostedCallsRunning([call])]);
        // Stopped meanwhile: the run does not start, and its connections close.
        const result = await approved.tool.run(call.arguments, { tools: spec.response.tools, signal: stop.signal }).catch(async (error: unknown) => {
          await mcp.close();
          throw error;
        });
        if (stop.requested) return { spec, mcp };
        out(builder.hostedCallDone(call, result));
        exchanges.push(...hostedExchange(call, result.output));
      }
      request = { ...request, input: [...request.input, ...exchanges] };
    }
    return { spec: { ...spec, request }, mcp };
  }

  /**
   * Runs the hosted calls of the model's turn (at once, their events in order), then asks the model again with their
   * results, unless the turn also called tools the client runs (the response then ends for the client to answer) or
   * the turns are used up. Resolves to the next turn's chunks, or to nothing when the response is to complete.
   */
  private async runHostedCalls(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    turns: ModelTurns,
    emit: (events: SerializedEvent[]) => void,
    stop: CancellationSource,
  ): Promise<Observable<GenerationChunk> | undefined> {
    const { events, calls } = builder.takeHostedCalls();
    emit(events);
    emit(builder.hostedCallsRunning(calls));
    const results = await Promise.all(calls.map((call) => call.tool.run(call.arguments, { tools: spec.response.tools, signal: stop.signal })));
    if (stop.requested) return undefined;
    calls.forEach((call, index) => {
      emit(builder.hostedCallDone(call, results[index]));
      turns.ran(call, results[index].output);
    });
    // The turns so far are turns.count + 1.
    if (builder.calledClientTools || builder.awaitsApproval || turns.count + 1 >= this.config.MAX_TOOL_ROUNDS) return undefined;
    builder.nextTurn();
    const lastTurn = turns.count + 2 >= this.config.MAX_TOOL_ROUNDS || toolCallLimitReached(spec.response);
    return this.generate(spec, turns.next(builder.response, lastTurn), { stop, incremental: true });
  }

  /** A model turn of the run, traced as a child of the run's span. */
  private generate(spec: RunSpec, request: GenerationRequest, options: GenerateOptions): Promise<Observable<GenerationChunk>> {
    if (!spec.span) return tracedGeneration(spec.backend, request, options);
    return context.with(trace.setSpan(context.active(), spec.span), () => tracedGeneration(spec.backend, request, options));
  }

  /** How the builder names back the calls of namespaced functions, custom tools, client tools and hosted tools. */
  private namesOfOffered(response: ResponseObject) {
    const { names, custom, client, hosted } = this.toolOffers.offer(response.tools);
    return { namespacedFunctions: names, customTools: custom, clientTools: client, hostedTools: hosted };
  }

  /**
   * Makes the end durable, then tells `onStored`. A new response not logged is inserted whole. Otherwise its function
   * calls are recorded first (whoever sees the end may answer them at once), then its final state is written, in one
   * commit with the end of its log (the events still waiting, and the terminal event) when it has one. A response
   * someone else ended meanwhile keeps their state and their terminal event.
   */
  private async persistEnd(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    log: EventLogWriter | undefined,
    terminal: SerializedEvent,
    onStored: () => void = () => undefined,
  ): Promise<void> {
    const { response } = spec;
    this.rateLimiter.recordTokens(spec.tenantId, response.usage?.total_tokens ?? 0);
    const usage = this.usage.entryOf(spec.tenantId, spec.keyId, response);
    countEnd(usage, response.status);
    spec.span?.setAttributes({
      'responses.status': response.status,
      'gen_ai.usage.input_tokens': usage.inputTokens,
      'gen_ai.usage.output_tokens': usage.outputTokens,
      'responses.usage.cached_tokens': usage.cachedTokens,
      'responses.usage.reasoning_tokens': usage.reasoningTokens,
    });
    try {
      await this.writeEnd(spec, builder, log, terminal, usage, onStored);
      spec.span?.end();
    } catch (error) {
      if (spec.span) endSpan(spec.span, error);
      throw error;
    }
  }

  /** The writes of persistEnd. */
  private async writeEnd(
    spec: RunSpec,
    builder: ResponseStreamBuilder,
    log: EventLogWriter | undefined,
    terminal: SerializedEvent,
    usage: UsageEntry,
    onStored: () => void,
  ): Promise<void> {
    const { response } = spec;
    const persistence = persistenceOf(spec);
    if (persistence.kind === 'none') {
      this.usage.addUnstored(usage);
      return onStored();
    }
    const calls = builder.newToolCalls.filter((call) => call.status === 'completed');
    const conversation = conversationAppend(persistence.conversation, response);
    if (persistence.newInputItems && !persistence.logEvents) {
      await this.writes.insert(
        {
          tenantId: persistence.tenantId,
          response,
          inputItems: persistence.newInputItems,
          sampling: spec.sampling,
          lastSequenceNumber: builder.lastSequenceNumber,
          stream: spec.streamed,
        },
        { conversation, usage },
      );
      await this.toolCalls.recordCalls(response.id, calls);
      return onStored();
    }
    await this.toolCalls.recordCalls(response.id, calls);
    const update = { response, lastSequenceNumber: builder.lastSequenceNumber, expectedStatus: ['in_progress'] };
    const logEnd = log && { events: await log.handOver(), terminal, notify: log.notify };
    if (!(await this.writes.updateState(update, logEnd, conversation, usage))) {
      // Someone else ended it meanwhile (the abandoned-response sweeper, a cancel), or its owner deleted it: their
      // state stands, and the client still hears the end of what it was streamed.
      this.logger.warn(`${response.id} was ended or deleted elsewhere; its run's final state was not stored`);
    }
    onStored();
  }
}

/** The turn of a run of `response`, if it is in a conversation: its input, then its output from `outputFrom` on. */
export function conversationTurn(response: ResponseObject, inputItems: InputItem[], outputFrom = 0): ConversationTurn | undefined {
  return response.conversation ? { id: response.conversation.id, inputItems, outputFrom } : undefined;
}

/** The items a run adds to its conversation: none unless it completed or ended incomplete (not failed nor cancelled). */
function conversationAppend(turn: ConversationTurn | undefined, response: ResponseObject): ConversationAppend | undefined {
  if (!turn || (response.status !== 'completed' && response.status !== 'incomplete')) return undefined;
  // Output items are what a later input holds as they are (as with previous_response_id).
  return { conversationId: turn.id, items: [...turn.inputItems, ...(response.output.slice(turn.outputFrom) as unknown as InputItem[])] };
}

/** A response's end in /metrics: the response, and its tokens by kind. */
function countEnd(usage: UsageEntry, status: string): void {
  const { tenantId: tenant } = usage;
  const model = MODEL_LABEL.of(usage.model);
  METRICS.responses.inc({ tenant, model, status });
  for (const [kind, tokens] of [
    ['input', usage.inputTokens],
    ['output', usage.outputTokens],
    ['cached', usage.cachedTokens],
    ['reasoning', usage.reasoningTokens],
  ] as const) {
    if (tokens > 0) METRICS.tokens.inc({ tenant, model, kind }, tokens);
  }
}

/** A hosted call as the model is given it: the function call it made, and the call's result. */
function hostedExchange(call: HostedCall, output: string): InputItem[] {
  return [
    { type: 'function_call', call_id: call.callId, name: call.tool.offered.name, arguments: call.argumentsText || '{}' },
    { type: 'function_call_output', call_id: call.callId, output },
  ];
}

/**
 * The model turns of one run: each turn after the first is asked with the run's request, followed by the output so
 * far, each hosted call in it given to the model as the function call it made and the call's result.
 */
class ModelTurns {
  count = 0;
  private readonly results = new Map<string, { call: HostedCall; output: string }>();

  constructor(
    private readonly spec: RunSpec,
    /** The response's output items from this index on are this run's. */
    private readonly outputFrom: number,
  ) {}

  ran(call: HostedCall, output: string): void {
    this.results.set(call.item.id, { call, output });
  }

  /** The next turn's request; the last turn is offered no tool, so that the model answers. */
  next(response: ResponseObject, last: boolean): GenerationRequest {
    this.count += 1;
    const output = response.output.slice(this.outputFrom).flatMap((item): InputItem[] => {
      const ran = this.results.get(String(item.id));
      if (!ran) return [item as unknown as InputItem];
      return hostedExchange(ran.call, ran.output);
    });
    // A forced choice (required, a named tool) was the first turn's: later turns choose for themselves.
    return { ...this.spec.request, input: [...this.spec.request.input, ...output], toolChoice: last ? 'none' : 'auto' };
  }
}

function failureBody(error: unknown): ResponseErrorBody {
  if (error instanceof GenerationFailure) return { code: error.code, message: error.message };
  if (error instanceof ApiError) return { code: error.code ?? 'server_error', message: error.message };
  return { code: 'server_error', message: 'The model backend failed while generating this response.' };
}

/**
 * What the client of a response whose end could not be stored is told. A database out of reach for longer than the
 * writes wait (DATABASE_OUTAGE_RETRY_MS) is a 503 with Retry-After, as a request refused for it is: the response was
 * not stored as it ended, and the same request succeeds once the database is back. Anything else is a 500.
 */
function unstored(error: unknown): ApiError {
  if (isDatabaseUnreachable(error)) return toApiError(error);
  return new ApiError(500, 'The response finished but could not be stored.', 'storage_error');
}
