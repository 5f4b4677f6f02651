/**
 * The UI process's own OpenTelemetry: NodeSDK with the OTLP/gRPC exporter,
 * service.name `sagascope`, sending to our collector, so that every manual
 * action (lib/actions/execute.ts) appears in the saga's own timeline as a
 * distinct, manual step.
 *
 * - No auto-instrumentation: the collector runs in this same process, and
 *   instrumenting its HTTP/gRPC servers would feed its own requests back into it.
 * - Only our own spans are exported (scope ACTIONS_SCOPE). With a tracer provider
 *   registered, Next.js starts spans of its own for every request; those are
 *   dropped here instead of filling the spans table with page views.
 * - Started once per process, lazily: Next.js bundles route handlers separately,
 *   so module state is not shared between them, hence the globalThis slot.
 * - Manual spans are few and must show up right away: the executor flushes
 *   after each action (bounded), so a page refresh already shows the manual step.
 */
import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { NodeSDK, core, resources, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata } from '@grpc/grpc-js';
import { loadConfig, type Config } from '../config/env';
import { log, errorFields } from '../log';
import { SAGASCOPE_SERVICE } from '../saga/repair';

/** Defined in the pure model (lib/saga/repair.ts), which tells repairs and the user's topology apart by it. */
export const SELF_SERVICE_NAME = SAGASCOPE_SERVICE;
/** Instrumentation scope of the manual-action spans; the only scope exported. */
export const ACTIONS_SCOPE = 'sagascope.actions';

/** Where the UI's spans go: SAGASCOPE_SELF_OTLP_ENDPOINT, else this host's collector gRPC port. */
export function selfOtlpEndpoint(config: Pick<Config, 'SAGASCOPE_SELF_OTLP_ENDPOINT' | 'COLLECTOR_GRPC_PORT'>): string {
  return config.SAGASCOPE_SELF_OTLP_ENDPOINT ?? `http://127.0.0.1:${config.COLLECTOR_GRPC_PORT}`;
}

/** Passes on only the spans of the given instrumentation scopes. */
export class ScopeFilterProcessor implements tracing.SpanProcessor {
  constructor(
    private readonly inner: tracing.SpanProcessor,
    private readonly scopes: ReadonlySet<string>,
  ) {}
  private ours(span: tracing.ReadableSpan): boolean {
    return this.scopes.has(span.instrumentationScope.name);
  }
  onStart(span: tracing.Span, parentContext: Context): void {
    if (this.ours(span)) this.inner.onStart(span, parentContext);
  }
  onEnd(span: tracing.ReadableSpan): void {
    if (this.ours(span)) this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export interface SelfTelemetry {
  endpoint: string;
  tracer: Tracer;
  /** Exports what is buffered; resolves false when that took longer than `timeoutMs` (the export goes on). */
  flush(timeoutMs: number): Promise<boolean>;
  shutdown(): Promise<void>;
}

const SLOT = Symbol.for('sagascope.self-telemetry');
type Slot = { [SLOT]?: SelfTelemetry };

function start(config: Config): SelfTelemetry {
  const endpoint = selfOtlpEndpoint(config);
  const metadata = new Metadata();
  // The collector may require a bearer token from every sender, us included.
  if (config.SAGASCOPE_COLLECTOR_TOKEN) metadata.set('authorization', `Bearer ${config.SAGASCOPE_COLLECTOR_TOKEN}`);
  const exporter = new OTLPTraceExporter({ url: endpoint, metadata, timeoutMillis: 5_000 });
  const processor = new ScopeFilterProcessor(
    new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 500, maxQueueSize: 2048, maxExportBatchSize: 256 }),
    new Set([ACTIONS_SCOPE]),
  );
  const sdk = new NodeSDK({
    serviceName: SELF_SERVICE_NAME,
    resource: resources.resourceFromAttributes({ 'service.name': SELF_SERVICE_NAME }),
    autoDetectResources: false,
    spanProcessors: [processor],
    // W3C trace context on outgoing calls, whatever OTEL_PROPAGATORS says.
    textMapPropagator: new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
    instrumentations: [],
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  log.info('manual-action spans go to the collector', { endpoint });
  return {
    endpoint,
    tracer: trace.getTracer(ACTIONS_SCOPE),
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([processor.forceFlush().then(() => true), timedOut]);
      } catch (err) {
        log.warn('could not export manual-action spans', { endpoint, ...errorFields(err) });
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    shutdown: () => sdk.shutdown(),
  };
}

/** The process's instance, started on first use. */
export function selfTelemetry(config: Config = loadConfig()): SelfTelemetry {
  const slot = globalThis as Slot;
  slot[SLOT] ??= start(config);
  return slot[SLOT];
}

/** Stops and forgets the instance (tests; a process that exits). */
export async function shutdownSelfTelemetry(): Promise<void> {
  const slot = globalThis as Slot;
  const t = slot[SLOT];
  delete slot[SLOT];
  if (!t) return;
  await t.shutdown();
  // Unregister the globals, so that a later start registers its own.
  trace.disable();
  context.disable();
  propagation.disable();
}
