/**
 * A participant service behind DTM for end-to-end tests: node:http on
 * 127.0.0.1 that answers each path from a script (status codes, then 200
 * SUCCESS), and records each call as the stock HTTP server span a zero-code Go
 * service's otelhttp records (current semantic conventions: DTM's query
 * parameters in url.query, a 4xx leaving the status unset, a 5xx an error),
 * exported by the real OpenTelemetry JS SDK over OTLP/HTTP to the collector.
 * DTM itself emits no spans and propagates no trace context: each call is a
 * root span of its own trace.
 */
import http from 'node:http';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface DtmCall {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
}

export interface DtmParticipant {
  url: string;
  calls: DtmCall[];
  /** The next answers' status codes for `path`; afterwards 200 {"dtm_result":"SUCCESS"}. */
  script(path: string, statuses: number[]): void;
  /** Calls whose span is not exported (a service not instrumented there, or a dropped span). */
  dropSpansOf: (call: DtmCall) => boolean;
  callsTo(path: string, gid: string): DtmCall[];
  close(): Promise<void>;
}

const bodyOf = (status: number) =>
  status === 200 ? '{"dtm_result":"SUCCESS"}' : status === 409 ? '{"dtm_result":"FAILURE","message":"refused"}' : '{"error":"downstream unavailable"}';

export async function startDtmParticipant(opts: { collectorHttpUrl: string; service?: string }): Promise<DtmParticipant> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.service ?? 'busi', 'telemetry.sdk.language': 'go' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${opts.collectorHttpUrl}/v1/traces` }))],
  });
  // The instrumentation scope of Go's otelhttp, which records these spans in a real participant.
  const tracer = provider.getTracer('go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp');
  const scripts = new Map<string, number[]>();
  const calls: DtmCall[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://participant');
      const status = scripts.get(url.pathname)?.shift() ?? 200;
      const call: DtmCall = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, status };
      const span = tracer.startSpan(`${call.method} ${call.path}`, {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': call.method,
          'url.scheme': 'http',
          'url.path': call.path,
          'url.query': url.searchParams.toString(),
          'http.route': call.path,
          'server.address': '127.0.0.1',
          'server.port': port,
          'network.protocol.version': '1.1',
          'user_agent.original': String(req.headers['user-agent'] ?? ''),
        },
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(bodyOf(status), () => {
        span.setAttribute('http.response.status_code', status);
        // otelhttp marks only 5xx of a server span as an error; a 409 (DTM's FAILURE) leaves the status unset.
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        calls.push(call);
        if (self.dropSpansOf(call)) return;
        span.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const self: DtmParticipant = {
    url: `http://127.0.0.1:${port}`,
    calls,
    script: (path, statuses) => scripts.set(path, [...statuses]),
    dropSpansOf: () => false,
    callsTo: (path, gid) => calls.filter((c) => c.path === path && c.query.get('gid') === gid),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await provider.shutdown();
    },
  };
  return self;
}
