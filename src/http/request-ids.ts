import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RequestHandler } from 'express';
import onHeaders from 'on-headers';

import { newId } from '../common/ids';

type IdentifiedRequest = IncomingMessage & { id?: string };

/** A client's own id for a request, echoed as OpenAI does, when it is a short printable string. */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,512}$/;

/**
 * The request's id (`req_…`), made once and answered in `x-request-id`: every log line of the request carries it
 * (see request-logging.ts), so a client that quotes it finds them all.
 */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const identified = req as IdentifiedRequest;
  if (!identified.id) {
    // OpenAI's request ids have 32 hex digits.
    identified.id = newId('req').slice(0, 36);
    res.setHeader('x-request-id', identified.id);
  }
  return identified.id;
}

/** The client's `X-Client-Request-Id`, when it sent a usable one. */
export function clientRequestIdOf(req: IncomingMessage): string | undefined {
  const id = req.headers['x-client-request-id'];
  return typeof id === 'string' && CLIENT_REQUEST_ID.test(id) ? id : undefined;
}

/**
 * Every answer carries `x-request-id` (and the client's `x-client-request-id` back) and `openai-processing-ms`, the
 * time from the request's arrival to its headers (for a stream, until it starts).
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    requestIdOf(req, res);
    const clientId = clientRequestIdOf(req);
    if (clientId) res.setHeader('x-client-request-id', clientId);
    onHeaders(res, () => res.setHeader('openai-processing-ms', String(Math.round(Number(process.hrtime.bigint() - started) / 1e6))));
    next();
  };
}
