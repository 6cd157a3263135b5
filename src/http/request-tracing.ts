import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';

import { endSpan, tracer } from '../tracing/tracing';

type RoutedRequest = Request & { caller?: { tenant: string }; route?: { path?: string }; id?: string };

/**
 * Each request as a server span (continuing the client's trace when it sends `traceparent`), active while it is
 * served: what it does (its run, its model calls, the job it queues) becomes part of its trace.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer().startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.on('close', () => {
      const routed = req as RoutedRequest;
      if (routed.route?.path) span.updateName(`${req.method} ${req.baseUrl}${routed.route.path}`);
      span.setAttributes({
        'http.response.status_code': res.statusCode,
        ...(routed.route?.path ? { 'http.route': `${req.baseUrl}${routed.route.path}` } : {}),
        ...(routed.caller ? { 'responses.tenant': routed.caller.tenant } : {}),
        ...(routed.id ? { 'responses.request_id': routed.id } : {}),
      });
      endSpan(span, res.statusCode >= 500 ? new Error(`HTTP ${res.statusCode}`) : undefined);
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
