/**
 * Emits sagas through the real OpenTelemetry JS SDK, the way instrumented
 * services would: one TracerProvider per service (its own resource), spans
 * parented through context, saga.* attributes per DESIGN.md §2.
 */
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

export type ExporterFactory = () => SpanExporter;

export class ServiceFleet {
  private readonly providers = new Map<string, BasicTracerProvider>();
  constructor(private readonly makeExporter: ExporterFactory) {}

  tracer(service: string) {
    let p = this.providers.get(service);
    if (!p) {
      p = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor(this.makeExporter())],
      });
      this.providers.set(service, p);
    }
    return p.getTracer('sagascope-tests');
  }

  async flush(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.shutdown()));
  }
}

export interface StepPlan {
  step: string;
  service: string;
  op: 'action' | 'compensate' | 'try' | 'confirm' | 'cancel';
  fail?: boolean;
  /** Emit a child span without saga attributes (e.g. a DB call) under the step. */
  withChild?: boolean;
  /** Idle time before this step starts (a coordinator's retry backoff), ms; steps otherwise follow 10 ms apart. */
  delayMs?: number;
}

/** Runs one saga: a coordinator root span and one server span per step, in order. */
export function emitSaga(fleet: ServiceFleet, opts: { id: string; name: string; protocol?: string; steps: StepPlan[]; t0?: number }): void {
  const base = opts.t0 ?? Date.now() - 10_000;
  const coordinator = fleet.tracer('orchestrator');
  const root = coordinator.startSpan(`saga ${opts.name}`, {
    kind: SpanKind.INTERNAL,
    startTime: base,
    attributes: {
      'saga.id': opts.id,
      'saga.name': opts.name,
      'saga.protocol': opts.protocol ?? 'saga',
      'saga.role': 'coordinator',
    },
  });
  const indexOf = new Map<string, number>();
  const attempts = new Map<string, number>();
  let t = base + 1;
  for (const s of opts.steps) {
    t += s.delayMs ?? 0;
    if (!indexOf.has(s.step)) indexOf.set(s.step, indexOf.size + 1);
    const key = `${s.step}/${s.op}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const ctx = trace.setSpan(context.active(), root);
    const span: Span = fleet.tracer(s.service).startSpan(
      `${s.op} ${s.step}`,
      {
        kind: SpanKind.SERVER,
        startTime: t,
        attributes: {
          'saga.id': opts.id,
          'saga.step': s.step,
          'saga.step.index': indexOf.get(s.step)!,
          'saga.op': s.op,
          'saga.attempt': attempt,
          'saga.role': 'participant',
          'saga.action_url': `http://${s.service}.local/${s.step}`,
        },
      },
      ctx,
    );
    if (s.withChild) {
      const child = fleet.tracer(s.service).startSpan('SELECT stock', { kind: SpanKind.CLIENT, startTime: t + 1 }, trace.setSpan(ctx, span));
      child.end(t + 2);
    }
    if (s.fail) span.setStatus({ code: SpanStatusCode.ERROR, message: `${s.step} failed` });
    span.end(t + 5);
    t += 10;
  }
  root.end(t);
}
