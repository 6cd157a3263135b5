import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';

import { ApiKeys } from '../../auth/api-keys.service';
import type { Caller } from '../../auth/tenant-keys';
import { ApiError } from '../../common/api-error';
import { toApiError } from '../../common/to-api-error';
import { apiValidationPipe } from '../../common/validation';
import { AppConfig } from '../../config/app-config';
import { ClientBuffers } from '../../http/client-buffers';
import { FairAdmission } from '../../http/fair-admission';
import { writeRawError } from '../../http/raw-error-response';
import { RateLimiter } from '../../rate-limits/rate-limiter';
import { ResponsesService } from '../responses.service';
import { MessageHold } from './message-hold';
import { ResponsesSocketSession } from './responses-socket-session';

const PATH = '/v1/responses';
const CLOSE_WAIT_MS = 1000;
/** The close code for a connection whose messages found no room in the client buffers: try again later. */
const TRY_AGAIN_LATER = 1013;

/**
 * WebSocket mode on the API's own port: an upgrade of GET /v1/responses, authenticated like any request (a refused
 * key is a 401 before the upgrade), becomes a ResponsesSocketSession.
 */
@Injectable()
export class ResponsesSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly sockets: WebSocketServer;
  private readonly sessions = new Set<ResponsesSocketSession>();
  private readonly graceMs: number;
  private readonly maxBufferedBytes: number;
  private readonly validation = apiValidationPipe();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly responses: ResponsesService,
    private readonly rateLimiter: RateLimiter,
    private readonly keys: ApiKeys,
    private readonly admission: FairAdmission,
    private readonly buffers: ClientBuffers,
    config: AppConfig,
  ) {
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: config.bodyLimitBytes });
    this.graceMs = config.SHUTDOWN_GRACE_MS;
    this.maxBufferedBytes = config.STREAM_MAX_BUFFER_BYTES;
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(request, socket, head));
  }

  /**
   * Before the HTTP server closes (which waits for them), the connections take no more requests, those running get
   * up to SHUTDOWN_GRACE_MS to end, and the connections close as going away (what still runs stops, as when a
   * client leaves). A client that does not answer the close within a second is cut off.
   */
  async beforeApplicationShutdown(): Promise<void> {
    // The timers give up waiting; they do not keep the process alive once everything has ended.
    await Promise.race([Promise.all([...this.sessions].map((session) => session.drain())), sleep(this.graceMs, undefined, { ref: false })]);
    const closed = [...this.sockets.clients].map((client) => new Promise((resolve) => client.once('close', resolve).close(1001, 'server shutting down')));
    await Promise.race([Promise.all(closed), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== PATH) return writeRawError(socket, ApiError.notFound(`No WebSocket endpoint at ${path}; use ${PATH}.`, null, 'not_found'));
    let caller: Caller;
    try {
      caller = await this.keys.callerOf(request.headers.authorization, request.headers['openai-project']);
    } catch (error) {
      return writeRawError(socket, toApiError(error));
    }
    this.sockets.handleUpgrade(request, socket, head, (client) => {
      const limits = this.rateLimiter.limitsFor(caller);
      // Each response.create counts against the caller's rate limit as a POST would.
      const admit = () => {
        const { refused } = this.rateLimiter.admit(caller.tenant, limits);
        if (refused) throw refused;
      };
      const line = this.keys.admissionLine(request.headers.authorization);
      const turn = () => this.admission.admitted(line);
      const messages = new MessageHold(this.buffers.holdFor(line, 'body'));
      // Counted before the WebSocket reads them. Past the caller's share, the connection reads no more (what it sends
      // stays in the kernel's buffers, not in this process) and closes: the client has a second to read why.
      const count = (chunk: Buffer) => {
        const refused = messages.received(chunk.length);
        if (!refused) return;
        socket.off('data', count);
        socket.pause();
        client.close(TRY_AGAIN_LATER, refused === 'caller' ? 'too many messages still arriving' : 'server busy');
        setTimeout(() => client.terminate(), CLOSE_WAIT_MS).unref();
      };
      socket.prependListener('data', count);
      client.once('close', () => messages.closed());
      const session = new ResponsesSocketSession(client, caller, {
        responses: this.responses,
        validation: this.validation,
        maxBufferedBytes: this.maxBufferedBytes,
        admit,
        turn,
        messages,
      });
      this.sessions.add(session);
      client.once('close', () => this.sessions.delete(session));
    });
  }
}
