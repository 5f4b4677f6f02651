/**
 * OpenTelemetry for one demo process, set up the way a user's Node service would
 * be: NodeSDK, HTTP auto-instrumentation, OTLP/gRPC to the collector. Must run
 * before `node:http` is loaded by the service code (see run-service.ts), so the
 * instrumentation can patch it.
 */
import { context, createContextKey, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { sagaAttributes, sagaCallFromHeaders } from './saga-context';
import { log } from '../log';

export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4317';

/**
 * Calls made under this context produce no client span and carry no trace
 * context: the orchestrator acting like DTM (which emits nothing), or like an
 * orchestrator nobody instrumented.
 */
const UNTRACED = createContextKey('sagascope-demo untraced call');

export function untracedContext(base: Context = context.active()): Context {
  return trace.deleteSpan(base).setValue(UNTRACED, true);
}

export interface TelemetryOptions {
  endpoint?: string;
  /** Incoming requests that are control traffic, not part of any saga (health checks, the orchestrator's API). */
  ignoreIncoming?: (req: IncomingMessage) => boolean;
}

export interface Telemetry {
  tracer: ReturnType<typeof trace.getTracer>;
  /** Exports what is buffered and stops; call before exiting so the last spans are not lost. Never rejects. */
  shutdown(): Promise<void>;
}

export function startTelemetry(service: string, opts: TelemetryOptions = {}): Telemetry {
  const exporter = new OTLPTraceExporter({ url: opts.endpoint ?? DEFAULT_OTLP_ENDPOINT });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'sagascope-demo' }),
    // Host and process detectors add nothing the dashboard uses, to every batch.
    autoDetectResources: false,
    // Short delay: a saga should show in the dashboard within a couple of seconds.
    spanProcessors: [new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 500, maxQueueSize: 8192, maxExportBatchSize: 512 })],
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url === '/health' || (opts.ignoreIncoming?.(req) ?? false),
        ignoreOutgoingRequestHook: () => context.active().getValue(UNTRACED) === true,
        // The coordinator's side of a step: its client span carries the same saga.*
        // fields as the participant's server span, with role coordinator.
        startOutgoingSpanHook: (options) => {
          const call = sagaCallFromHeaders((options.headers ?? {}) as Record<string, string>);
          return call ? (sagaAttributes(call, 'coordinator') as Attributes) : {};
        },
        requestHook: (span: Span, request: ClientRequest | IncomingMessage) => {
          if (!('getHeader' in request)) return;
          const step = request.getHeader('x-saga-step');
          const op = request.getHeader('x-saga-op');
          if (step !== undefined && op !== undefined) span.updateName(`${request.method} ${step} ${op}`);
        },
      }),
    ],
  });
  sdk.start();
  return {
    tracer: trace.getTracer('sagascope-demo'),
    // A collector that is gone must not stop the process from closing its database cleanly.
    shutdown: () => sdk.shutdown().catch((err) => log.warn('last spans not exported', { error: (err as Error).message })),
  };
}
