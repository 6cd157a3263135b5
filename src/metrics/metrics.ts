import { Counter, Gauge, register } from 'prom-client';

import { BoundedLabel } from './bounded-label';
import { TalliedCounter } from './tallied-counter';

/** A metric of the default registry, made once however many times an application is built in one process (tests). */
function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

const counter = (name: string, help: string, labelNames: string[]) => once(name, () => new Counter({ name, help, labelNames }));
/** A counter of the hot path (see TalliedCounter). */
const tallied = <L extends string>(name: string, help: string, labelNames: L[]) =>
  new TalliedCounter<L>((collect) => once(name, () => new Counter<L>({ name, help, labelNames, collect })));
const gauge = (name: string, help: string, labelNames: string[]) => once(name, () => new Gauge({ name, help, labelNames }));

/** The service's own metrics at /metrics (beside the process's), for dashboards and alerts. */
export const METRICS = {
  requests: tallied('responses_server_http_requests_total', 'HTTP requests answered, by tenant, route and status.', ['tenant', 'route', 'status']),
  responses: tallied('responses_server_responses_total', 'Responses ended, by tenant, model and status (completed, failed, incomplete, cancelled).', [
    'tenant',
    'model',
    'status',
  ]),
  tokens: tallied('responses_server_tokens_total', 'Tokens used, by tenant, model and kind (input, output, cached, reasoning).', ['tenant', 'model', 'kind']),
  clientBuffers: gauge(
    'responses_server_client_buffer_bytes',
    "Bytes held for clients' slow I/O (at most CLIENT_BUFFER_LIMIT), by what for: bodies still arriving (body), answers not yet read (answer).",
    ['held_for'],
  ),
  openStreams: gauge('responses_server_open_streams', 'Streams open to clients, by transport (sse, websocket).', ['transport']),
  webhookDeliveries: counter('responses_server_webhook_deliveries_total', 'Webhook delivery attempts, by outcome (delivered, failed, given_up).', ['outcome']),
  mcpOperations: counter('responses_server_mcp_operations_total', 'Remote MCP operations, by kind (list, call) and outcome (completed, failed).', [
    'kind',
    'outcome',
  ]),
};

/** The `model` label of `responses` and `tokens`: model names come from requests (see BoundedLabel). */
export const MODEL_LABEL = new BoundedLabel(100);
