import type { Request, RequestHandler } from 'express';

import { METRICS } from '../metrics/metrics';

type RoutedRequest = Request & { caller?: { tenant: string }; route?: { path?: string } };

/** What to count a request under: its tenant (as the guard resolved it), or why it has none. */
function tenantLabel(req: RoutedRequest, status: number): string {
  if (req.caller) return req.caller.tenant;
  if (req.path.startsWith('/admin/')) return 'admin';
  return status === 401 ? 'unauthenticated' : 'none';
}

/** Counts each answered request in /metrics by tenant, route (the pattern, not the URL: ids stay out) and status. */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const routed = req as RoutedRequest;
      const route = routed.route?.path ? `${req.method} ${req.baseUrl}${routed.route.path}` : 'unmatched';
      METRICS.requests.inc({ tenant: tenantLabel(routed, res.statusCode), route, status: String(res.statusCode) });
    });
    next();
  };
}
