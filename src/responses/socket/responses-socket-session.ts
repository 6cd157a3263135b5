import { Logger, type ValidationPipe } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';

import type { Caller } from '../../auth/tenant-keys';
import { ApiError } from '../../common/api-error';
import { cancellationOfSignal } from '../../common/cancellation';
import { checkJsonBounds } from '../../common/json-bounds';
import { errorForLog } from '../../common/log-redaction';
import type { InputItem } from '../../common/openai/types';
import { toApiError } from '../../common/to-api-error';
import { TERMINAL_EVENT_TYPES } from '../../events/event-log.service';
import { METRICS } from '../../metrics/metrics';
import type { CreateResult } from '../create-result';
import { CreateResponseDto } from '../dto/create-response.dto';
import type { EarlierResponse, ResponsesService } from '../responses.service';
import type { MessageHold } from './message-hold';

/** What a session is given by the server that accepted it: the use cases, and its caller's limits and turns. */
export interface SessionContext {
  responses: ResponsesService;
  validation: ValidationPipe;
  /** Bytes queued for the client beyond which it is cut off as a reader that stays behind. */
  maxBufferedBytes: number;
  /** Counts a request against the caller's rate limit; throws its 429. */
  admit: () => void;
  /** Resolves at the request's turn when requests arrive in a burst (FairAdmission), as for HTTP requests. */
  turn: () => Promise<void>;
  /** What the connection's messages hold of the client buffers until each is parsed. */
  messages: MessageHold;
}

/**
 * One WebSocket connection to /v1/responses (OpenAI's WebSocket mode). Each `response.create` message is a create
 * request (always streamed, never in the background); they run one after another, and each sends back the events an
 * HTTP stream would carry, one JSON text message each. The connection keeps its last completed response whole, so
 * the next can go on from it with `previous_response_id` and only its new input, even with `store: false`. A
 * request that goes on from it takes it out first: if that request fails, the response is gone from the connection.
 * An error is an `error` message ({type, status, error}); the connection stays open. Closing it stops what runs.
 */
export class ResponsesSocketSession {
  private readonly logger = new Logger(ResponsesSocketSession.name);
  private queue = Promise.resolve();
  private last?: EarlierResponse;
  private draining = false;
  private readonly closed = new AbortController();
  private readonly cancellation = cancellationOfSignal(this.closed.signal);

  constructor(
    private readonly socket: WebSocket,
    private readonly caller: Caller,
    private readonly context: SessionContext,
  ) {
    socket.on('message', (data: RawData) => {
      const bytes = context.messages.completed();
      this.queue = this.queue.then(context.turn).then(() => this.handle(data.toString(), bytes));
    });
    METRICS.openStreams.inc({ transport: 'websocket' });
    socket.on('close', () => {
      METRICS.openStreams.dec({ transport: 'websocket' });
      this.closed.abort();
    });
  }

  /** Takes no more requests; resolves once those taken have ended. */
  drain(): Promise<void> {
    this.draining = true;
    return this.queue;
  }

  /** Runs one message, which held `bytes` of the client buffers until it is parsed. */
  private async handle(text: string, bytes: number): Promise<void> {
    if (this.closed.signal.aborted) return;
    try {
      const dto = await this.createRequest(text).finally(() => this.context.messages.parsed(bytes));
      if (this.draining)
        throw new ApiError(
          503,
          'The server is shutting down: reconnect, and another replica (or this one once restarted) will answer.',
          'server_shutting_down',
          null,
          'server_error',
          1,
        );
      this.context.admit();
      const earlier = dto.previous_response_id === this.last?.id ? this.last : undefined;
      if (earlier) this.last = undefined;
      const result = await this.context.responses.create(this.caller.tenant, dto, this.cancellation, { earlier, keyId: this.caller.keyId });
      await this.relay(result, (earlier?.bytes ?? 0) + text.length);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) this.logger.error(errorForLog(error));
      this.send(JSON.stringify({ type: 'error', status: apiError.status, ...apiError.toBody() }));
    }
  }

  /** The message as a create request, checked as POST /v1/responses checks its body. */
  private async createRequest(text: string): Promise<CreateResponseDto> {
    const bounds = checkJsonBounds(Buffer.from(text));
    if (bounds) throw ApiError.badRequest(bounds.message, bounds.param || null, bounds.code);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw ApiError.badRequest('The message is not valid JSON.', null, 'invalid_json');
    }
    if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'response.create') {
      throw ApiError.badRequest("Unknown event type: this connection takes 'response.create' messages.", 'type', 'unknown_event_type');
    }
    const { type: _type, stream: _stream, ...body } = message as Record<string, unknown>;
    if (body.background)
      throw ApiError.badRequest('Background responses are not run over a WebSocket: create them with POST /v1/responses.', 'background', 'invalid_value');
    // Set on the copy rather than spread into a new one (see bench/HISTORY.md, "Hidden classes").
    body.stream = true;
    return (await this.context.validation.transform(body, { type: 'body', metatype: CreateResponseDto })) as CreateResponseDto;
  }

  /**
   * Sends the run's events until its end; keeps the response if it completed (or ended incomplete), with what it
   * holds: `bytesBefore` (the response it continued, and the request) and its own. Closing the connection stops the
   * run, as a client leaving an HTTP stream does, and ends the turn.
   */
  private relay(result: CreateResult, bytesBefore: number): Promise<void> {
    if (result.kind !== 'stream') return Promise.resolve();
    const context = result.context ?? [];
    const closed = this.closed.signal;
    return new Promise<void>((resolve, reject) => {
      const subscription = result.events.subscribe({
        next: (event) => {
          this.send(event.json);
          if (!TERMINAL_EVENT_TYPES.has(event.type)) return;
          const { response } = JSON.parse(event.json) as { response: { id: string; status: string; output: InputItem[] } };
          if (response.status === 'completed' || response.status === 'incomplete') {
            this.last = { id: response.id, items: [...context, ...response.output], bytes: bytesBefore + event.json.length };
          }
        },
        error: (error: unknown) => {
          closed.removeEventListener('abort', stop);
          reject(error);
        },
        complete: () => {
          closed.removeEventListener('abort', stop);
          resolve();
        },
      });
      function stop() {
        subscription.unsubscribe();
        resolve();
      }
      if (closed.aborted) stop();
      else closed.addEventListener('abort', stop, { once: true });
    });
  }

  private send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    // A client that stops reading: the connection ends (what runs on it stops) instead of its queue growing.
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) this.socket.terminate();
    else this.socket.send(text);
  }
}
