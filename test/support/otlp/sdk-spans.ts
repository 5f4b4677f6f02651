/**
 * Real SDK spans for the decoder tests and the benchmark: recorded through the
 * OpenTelemetry JS SDK and serialised by its official OTLP serializers, so the
 * decoders are checked against what services actually send.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Runs `record` against a tracer provider and returns the ended spans (synchronously collected). */
export function recordSpans(
  resourceAttributes: Attributes,
  record: (tracerFor: (scope: string, version?: string) => Tracer) => void,
): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const collector: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => void ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    spanProcessors: [collector],
  });
  record((scope, version) => provider.getTracer(scope, version));
  return ended;
}

/** [seconds, nanoseconds] a fixed distance after 2026-01-01, with sub-µs digits to exercise rounding. */
export function hrTime(offsetMs: number, extraNanos = 0): [number, number] {
  const base = 1767225600; // 2026-01-01T00:00:00Z
  const totalNanos = Math.round((offsetMs % 1000) * 1e6) + extraNanos;
  return [base + Math.floor(offsetMs / 1000) + Math.floor(totalNanos / 1e9), totalNanos % 1e9];
}

/** One saga-like trace: server root, client child with an error, producer/consumer/internal spans, two scopes. */
export function sagaTraceSpans(): ReadableSpan[] {
  return recordSpans(
    {
      'service.name': 'orders',
      'service.version': '1.4.0',
      'host.cpu.count': 8,
      'sampling.ratio': 0.25,
      'deployment.canary': false,
      'service.tags': ['eu', 'blue'],
      'saga.id': 'gid-resource-level',
    },
    (tracerFor) => {
      const http = tracerFor('@opentelemetry/instrumentation-http', '0.57.0');
      const app = tracerFor('orders-app');
      const root = http.startSpan(
        'POST /api/checkout',
        {
          kind: SpanKind.SERVER,
          startTime: hrTime(0, 123_456),
          attributes: {
            'http.request.method': 'POST',
            'url.full': 'http://orders:8080/api/checkout?gid=abc&trans_type=saga&branch_id=01&op=action',
            'http.response.status_code': 200,
            'negative.int': -42,
            'big.int': 2 ** 60,
            'ratio': 3.25,
            'retry': true,
            'empty.string': '',
            'tags': ['a', 'b'],
            'ports': [80, 443],
            'flags': [true, false],
            'weights': [0.5, 1.5],
          },
        },
        ROOT_CONTEXT,
      );
      root.addEvent('validated', { 'items.count': 3 }, hrTime(1, 400));
      root.addEvent('no-attributes', undefined, hrTime(2, 500));
      const parent = trace.setSpan(ROOT_CONTEXT, root);

      const client = http.startSpan(
        'POST /reserve',
        { kind: SpanKind.CLIENT, startTime: hrTime(3, 999), attributes: { 'saga.step': 'reserve-inventory', 'saga.attempt': 2 } },
        parent,
      );
      client.setStatus({ code: SpanStatusCode.ERROR, message: 'inventory exhausted' });
      client.end(hrTime(40, 1));

      const producer = app.startSpan('publish', { kind: SpanKind.PRODUCER, startTime: hrTime(41) }, parent);
      producer.setStatus({ code: SpanStatusCode.OK });
      producer.end(hrTime(42));
      const consumer = app.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: hrTime(43) }, parent);
      consumer.end(hrTime(43)); // zero duration is valid
      const internal = app.startSpan('compute', { kind: SpanKind.INTERNAL, startTime: hrTime(44, 499) }, parent);
      internal.end(hrTime(45, 500));

      root.end(hrTime(50, 777_777));
    },
  );
}

/** A batch shaped like ingest traffic (HTTP server spans with saga attributes), for the benchmark. */
export function ingestBatch(size: number, batchNumber = 0): ReadableSpan[] {
  return recordSpans(
    { 'service.name': 'payments', 'service.namespace': 'shop', 'service.instance.id': `pod-${batchNumber}`, 'telemetry.sdk.language': 'nodejs' },
    (tracerFor) => {
      const tracer = tracerFor('@opentelemetry/instrumentation-http', '0.57.0');
      let root = tracer.startSpan('saga', { kind: SpanKind.SERVER, startTime: hrTime(0) }, ROOT_CONTEXT);
      for (let i = 0; i < size; i++) {
        if (i % 10 === 0) {
          if (i > 0) root.end(hrTime(i + 9));
          root = tracer.startSpan('POST /api/saga/submit', { kind: SpanKind.SERVER, startTime: hrTime(i) }, ROOT_CONTEXT);
          continue;
        }
        const span = tracer.startSpan(
          'POST /api/payments/charge',
          {
            kind: SpanKind.CLIENT,
            startTime: hrTime(i, 250),
            attributes: {
              'http.request.method': 'POST',
              'url.full': `http://payments:8080/api/payments/charge?gid=${batchNumber}-${i - (i % 10)}&trans_type=saga&branch_id=0${i % 10}&op=action`,
              'server.address': 'payments',
              'server.port': 8080,
              'http.response.status_code': i % 17 === 0 ? 500 : 200,
              'saga.step': 'charge-card',
              'saga.step.index': i % 10,
              'saga.attempt': 1,
            },
          },
          trace.setSpan(ROOT_CONTEXT, root),
        );
        if (i % 17 === 0) {
          span.addEvent('exception', { 'exception.type': 'PaymentDeclined', 'exception.message': 'card declined' }, hrTime(i, 900));
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
        }
        span.end(hrTime(i + 1));
      }
      root.end(hrTime(size));
    },
  ).slice(0, size);
}
