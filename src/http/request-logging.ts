import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

import type { RequestHandler } from 'express';
import { storage, Store } from 'nestjs-pino/storage';
import pino, { type Bindings, type Level, type Logger } from 'pino';

import { redactUrl } from '../common/log-redaction';
import { PROBE_PATHS } from './probe-paths';
import { clientRequestIdOf } from './request-ids';

const UNLOGGED = new Set(PROBE_PATHS);

/** The process's logger: JSON lines on stdout. */
export function createRootLogger(level: string): Logger {
  return pino({ level });
}

/**
 * What a request's log lines say of it, kept apart from the request itself: every promise and timer made while the
 * request is served holds its logger (through AsyncLocalStorage), some of them (a batch writer's, a pool's) well
 * after the request ended, and a logger that held the request kept all of it alive, long enough for V8 to move it
 * to the old generation (16 KB a stored stream).
 */
interface RequestFacts {
  id: unknown;
  method?: string;
  url?: string;
  socket?: Socket;
  clientRequestId?: string;
}

function factsOf(req: IncomingMessage): RequestFacts {
  return { id: (req as { id?: unknown }).id, method: req.method, url: req.url, socket: req.socket, clientRequestId: clientRequestIdOf(req) };
}

/** What every line logged while serving a request carries: the request (never its headers or body) and the client's id. */
function requestBindings({ id, method, url, socket, clientRequestId }: RequestFacts): Bindings {
  return {
    req: { id, method, url: redactUrl(url ?? ''), remoteAddress: socket?.remoteAddress },
    ...(clientRequestId ? { clientRequestId } : {}),
  };
}

/**
 * The logger of one request, as the Nest logger (nestjs-pino) finds it while the request is served: a child of the
 * root bound to the request, made only when a line is logged. pino-http made three children per request, whatever
 * was logged, and serialized their bindings: a fifth of a stored create's CPU.
 */
class RequestLogger {
  private bound?: Logger;

  constructor(
    private readonly root: Logger,
    private readonly request: RequestFacts,
  ) {}

  private logger(): Logger {
    this.bound ??= this.root.child(requestBindings(this.request));
    return this.bound;
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const logger = this.logger();
    Reflect.apply(logger[level], logger, args);
  }

  trace = (...args: unknown[]) => this.write('trace', args);
  debug = (...args: unknown[]) => this.write('debug', args);
  info = (...args: unknown[]) => this.write('info', args);
  warn = (...args: unknown[]) => this.write('warn', args);
  error = (...args: unknown[]) => this.write('error', args);
  fatal = (...args: unknown[]) => this.write('fatal', args);
  isLevelEnabled = (level: string) => this.root.isLevelEnabled(level);
  child = (bindings: Bindings) => this.logger().child(bindings);
}

/**
 * Binds each request's logger for the Nest logger (every line logged while serving the request carries the request's
 * id, and the client's own, at every level), and at info logs the request once its answer has gone ("request
 * completed", or "request errored" at error for a 5xx), with its status and duration.
 */
export function requestLogging(root: Logger): RequestHandler {
  const logsRequests = root.isLevelEnabled('info');
  return (req, res, next) => {
    const logger = new RequestLogger(root, factsOf(req));
    if (logsRequests && !UNLOGGED.has(req.path)) {
      const started = Date.now();
      let logged = false;
      const logRequest = () => {
        if (logged) return;
        logged = true;
        const line = { res: { statusCode: res.statusCode }, responseTime: Date.now() - started };
        if (res.statusCode >= 500) logger.error(line, 'request errored');
        else logger.info(line, 'request completed');
      };
      res.once('finish', logRequest);
      res.once('close', logRequest);
    }
    storage.run(new Store(logger as unknown as Logger), next);
  };
}
