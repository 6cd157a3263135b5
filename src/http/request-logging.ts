import type { IncomingMessage } from 'node:http';

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

/** What every line logged while serving a request carries: the request (never its headers or body) and the client's id. */
function requestBindings(req: IncomingMessage): Bindings {
  const clientRequestId = clientRequestIdOf(req);
  return {
    req: { id: (req as { id?: unknown }).id, method: req.method, url: redactUrl(req.url ?? ''), remoteAddress: req.socket?.remoteAddress },
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
    private readonly req: IncomingMessage,
  ) {}

  private logger(): Logger {
    this.bound ??= this.root.child(requestBindings(this.req));
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
    const logger = new RequestLogger(root, req);
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
