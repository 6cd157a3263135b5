import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { finalize, type Observable, tap } from 'rxjs';

import type { GenerateOptions, GenerationChunk, GenerationRequest, ModelBackend } from '../models/generation';

/** Set once startTracing has registered a tracer provider. */
let tracing = false;

/** The service's tracer: spans are recorded once a tracer provider is registered (startTracing), no-ops before. */
export const tracer = () => trace.getTracer('responses-server');

/**
 * OpenTelemetry tracing, through the official SDK: with OTEL_EXPORTER_OTLP_ENDPOINT set (read by the OTLP exporter,
 * with the other OTEL_EXPORTER_OTLP_* variables), spans go there over OTLP/HTTP in batches; `processor` replaces that
 * (tests use an in-memory exporter). Registers the W3C trace-context propagator and the async context manager.
 */
export function startTracing(env: NodeJS.ProcessEnv, processor?: SpanProcessor): NodeTracerProvider | undefined {
  if (!processor && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'responses-server' }),
    spanProcessors: [processor ?? new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  tracing = true;
  return provider;
}

/** Whether spans are recorded in this process (startTracing ran): without it, no request pays for a span. */
export function isTracing(): boolean {
  return tracing;
}

/** The trace context to carry across a queue (W3C `traceparent`), as text; null outside a trace. */
export function currentTraceContext(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? JSON.stringify(carrier) : null;
}

/** The context a carried trace context stands for (the active one when there is none). */
export function traceContextFrom(carried: string | null): Context {
  if (!carried) return context.active();
  return propagation.extract(context.active(), JSON.parse(carried) as Record<string, string>);
}

/** Ends a span with an error status when `error` is one. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/**
 * A backend's generation as a client span (`chat <model>`, OpenTelemetry's GenAI conventions), from the request
 * until its last chunk, with the tokens it reports.
 */
export async function tracedGeneration(backend: ModelBackend, request: GenerationRequest, options: GenerateOptions): Promise<Observable<GenerationChunk>> {
  // Untraced, every chunk would still pass two operators on its way to the stream, for a span that records nothing.
  if (!tracing) return backend.generate(request, options);
  const span = tracer().startSpan(`chat ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': request.model, 'server.address': backend.name },
  });
  let chunks: Observable<GenerationChunk>;
  try {
    chunks = await context.with(trace.setSpan(context.active(), span), () => backend.generate(request, options));
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
  let failure: unknown;
  return chunks.pipe(
    tap({
      next: (chunk) => {
        if (chunk.type === 'usage')
          span.setAttributes({ 'gen_ai.usage.input_tokens': chunk.usage.input_tokens, 'gen_ai.usage.output_tokens': chunk.usage.output_tokens });
        else if (chunk.type === 'finish') span.setAttribute('gen_ai.response.finish_reasons', [chunk.reason]);
      },
      error: (error: unknown) => (failure = error),
    }),
    finalize(() => endSpan(span, failure)),
  );
}
