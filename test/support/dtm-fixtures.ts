/**
 * Test fixtures: spans exactly as a DTM-run transaction leaves them, and the
 * way DTM runs it (issue #16). Not used by production code.
 *
 * DTM emits no spans and propagates no trace context, so every branch call is
 * the participant's stock server span alone, in a trace of its own, carrying
 * DTM's query parameters (HTTP: `url.query` / `http.target`, current or legacy
 * semantic conventions) or gRPC metadata (`rpc.grpc.request.metadata.dtm-*`),
 * with a database span below it. Status as otelhttp / otelgrpc set it: ERROR
 * for HTTP 5xx and for gRPC server errors (UNKNOWN, DEADLINE_EXCEEDED,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS), unset otherwise — so a 409
 * or an ABORTED answer leaves the status unset.
 *
 * DTM's facts (dtm-labs/dtm): a branch answers SUCCESS 200 / OK, FAILURE 409 /
 * ABORTED, ONGOING 425 / FAILED_PRECONDITION, anything else is an error DTM
 * retries (dtmcli/dtmimp/utils.go RespAsErrorCompatible, dtmgrpc
 * GrpcError2DtmError); it calls with POST when there is a body (always for XA),
 * GET otherwise (dtmsvr/trans_status.go getHTTPResult); a retried call waits
 * for its cron: the interval doubles after an error (10, 20, 40, 80 s from the
 * default RetryInterval of 10 s) and is kept after ONGOING (execBranch,
 * getNextCronInterval), and the cron polls every TransCronInterval (3 s), so a
 * retry lands 0–3 s after it is due (dtmsvr/cron.go sleepCronTime). Spans go
 * through the collector's own path: lib/ingest/span-row.ts (extractSagaFields),
 * child spans taking their parent's saga id as storage does.
 */
import type { AttrValue, FlatSpan } from '../../lib/otlp/types';
import type { Op, Protocol, SagaSpan } from '../../lib/saga/types';
import { toSpanRows } from '../../lib/ingest/span-row';
import { seededRandom } from '../../lib/random';
import { BASE_MS } from './saga-fixtures';

/** What a branch answers: DTM's three results, or an error it retries (HTTP 500 / gRPC UNAVAILABLE). */
export type DtmAnswer = 'SUCCESS' | 'FAILURE' | 'ONGOING' | 'ERROR';

export interface DtmOptions {
  gid?: string;
  transType: Protocol;
  transport?: 'http' | 'grpc';
  /** HTTP attribute names: `current` (url.path, url.query, http.response.status_code) or `legacy` (http.target, http.status_code). */
  semconv?: 'current' | 'legacy';
  seed?: number;
  /** DTM's RetryInterval in seconds (default 10). */
  retryIntervalS?: number;
}

export interface DtmCallSpec {
  /** Start, ms after BASE_MS; default: 1–3 ms after the previous call ended (DTM runs the next branch at once). */
  at?: number;
  /** Default 3–30 ms. */
  dur?: number;
  /** service.name of the participant; default from the route. */
  service?: string;
}

/** How DTM paces the retries of one call (see the file comment). */
export type RetrySchedule =
  /** After an error the interval doubles: 10, 20, 40, 80 s … */
  | 'doubling'
  /** After ONGOING the interval is kept: 10, 10, 10 s … */
  | 'keep'
  /**
   * dtm ≥ 1.17 execBranch: once the interval has grown past RetryInterval the next
   * call resets it (`t.NextCronInterval > conf.RetryInterval && …` → cronReset),
   * so errors alternate 20, 10, 20, 10 s.
   */
  | 'reset-after-backoff';

const HTTP_STATUS: Record<DtmAnswer, number> = { SUCCESS: 200, FAILURE: 409, ONGOING: 425, ERROR: 500 };
const GRPC_STATUS: Record<DtmAnswer, number> = { SUCCESS: 0, FAILURE: 10, ONGOING: 9, ERROR: 14 };

export class DtmTransaction {
  readonly gid: string;
  private readonly opts: Required<Omit<DtmOptions, 'gid'>>;
  private readonly rand: () => number;
  private readonly spans: FlatSpan[] = [];
  private cursor = 0;
  private ids = 0;

  constructor(opts: DtmOptions) {
    this.gid = opts.gid ?? 'gid-dtm-1';
    this.opts = {
      transType: opts.transType,
      transport: opts.transport ?? 'http',
      semconv: opts.semconv ?? 'current',
      seed: opts.seed ?? 1,
      retryIntervalS: opts.retryIntervalS ?? 10,
    };
    this.rand = seededRandom(this.opts.seed);
  }

  /** End of the last call, ms after BASE_MS. */
  get now(): number {
    return this.cursor;
  }

  /** One call DTM (or the application, for a TCC try / XA action) makes to a branch. Returns its [start, end]. */
  call(branchId: string, op: Op, route: string, answer: DtmAnswer, spec: DtmCallSpec = {}): { start: number; end: number } {
    const start = spec.at ?? this.cursor + 1 + Math.floor(this.rand() * 3);
    const dur = spec.dur ?? 3 + Math.floor(this.rand() * 28);
    const service = spec.service ?? serviceOf(route);
    const traceId = this.hex(32);
    const server = this.opts.transport === 'grpc'
      ? this.grpcSpan(traceId, branchId, op, route, answer, start, dur, service)
      : this.httpSpan(traceId, branchId, op, route, answer, start, dur, service);
    this.spans.push(server);
    // The branch's own work below it, as its database instrumentation records it.
    this.spans.push({
      traceId, spanId: this.hex(16), parentSpanId: server.spanId, name: 'UPDATE account', kind: 3,
      startMs: BASE_MS + start + 1, endMs: BASE_MS + start + Math.max(1, dur - 1), statusCode: 0, statusMessage: null,
      attributes: { 'db.system': 'mysql', 'db.operation.name': 'UPDATE' }, resource: resourceOf(service), scope: 'gorm.io/plugin/opentelemetry', events: null,
    });
    this.cursor = Math.max(this.cursor, start + dur);
    return { start, end: start + dur };
  }

  /**
   * A call DTM retries on its cron until an answer is SUCCESS (or the answers run
   * out): the first at `spec.at`, each next one `interval` later plus the cron's
   * 0–3 s. Returns the starts of the attempts.
   */
  retried(branchId: string, op: Op, route: string, answers: readonly DtmAnswer[], schedule: RetrySchedule = 'doubling', spec: DtmCallSpec = {}): number[] {
    const starts: number[] = [];
    let interval = this.opts.retryIntervalS * 1000;
    let at = spec.at;
    for (let i = 0; i < answers.length; i++) {
      const { start, end } = this.call(branchId, op, route, answers[i]!, { ...spec, at });
      starts.push(start);
      if (schedule === 'doubling') interval = i === 0 ? interval : interval * 2;
      else if (schedule === 'reset-after-backoff') interval = i % 2 === 0 ? this.opts.retryIntervalS * 2000 : this.opts.retryIntervalS * 1000;
      at = end + interval + Math.floor(this.rand() * 3000);
    }
    return starts;
  }

  /** The spans as the collector stores them, fed through its own attribute extraction. */
  sagaSpans(): SagaSpan[] {
    const rows = toSpanRows(this.spans);
    const sagaOf = new Map<string, string | null>(rows.map((r) => [r.spanId, r.sagaId]));
    return rows.map((r) => ({
      sagaId: r.sagaId ?? (r.parentSpanId === null ? null : (sagaOf.get(r.parentSpanId) ?? null)),
      sagaName: r.sagaName, protocol: r.protocol, role: r.role, step: r.step, stepIndex: r.stepIndex,
      branchId: r.branchId, op: r.op, attempt: r.attempt, result: r.result, actionUrl: r.actionUrl,
      compensateUrl: r.compensateUrl, idempotencyKey: r.idempotencyKey, trigger: r.trigger, zeroCode: r.zeroCode,
      traceId: r.traceId, spanId: r.spanId, parentSpanId: r.parentSpanId, service: r.service, name: r.name,
      startMs: r.startMs, endMs: r.endMs, statusCode: r.statusCode, statusMessage: r.statusMessage,
    }));
  }

  flatSpans(): FlatSpan[] {
    return this.spans.map((s) => ({ ...s }));
  }

  private httpSpan(traceId: string, branchId: string, op: Op, route: string, answer: DtmAnswer, start: number, dur: number, service: string): FlatSpan {
    const status = HTTP_STATUS[answer];
    // Go's url.Values.Encode sorts the keys: this is the query resty sends.
    const query = `branch_id=${branchId}&gid=${encodeURIComponent(this.gid)}&op=${op}&trans_type=${this.opts.transType}`;
    // POST when DTM has a body to send (always for XA), GET otherwise: the check-back has none.
    const method = op === 'msg' ? 'GET' : 'POST';
    const attributes: Record<string, AttrValue> =
      this.opts.semconv === 'current'
        ? {
            'http.request.method': method, 'url.scheme': 'http', 'url.path': route, 'url.query': query, 'http.route': route,
            'server.address': service, 'server.port': 8081, 'http.response.status_code': status,
            'user_agent.original': 'go-resty/2.16.5 (https://github.com/go-resty/resty)', 'network.protocol.version': '1.1',
          }
        : {
            'http.method': method, 'http.scheme': 'http', 'http.target': `${route}?${query}`, 'http.route': route,
            'net.host.name': service, 'net.host.port': 8081, 'http.status_code': status,
            'http.user_agent': 'go-resty/2.7.0 (https://github.com/go-resty/resty)', 'http.flavor': '1.1',
          };
    return {
      traceId, spanId: this.hex(16), parentSpanId: null, name: `${method} ${route}`, kind: 2,
      startMs: BASE_MS + start, endMs: BASE_MS + start + dur,
      // otelhttp: ERROR for 5xx only; a 4xx server span keeps its status unset.
      statusCode: status >= 500 ? 2 : 0, statusMessage: null,
      attributes, resource: resourceOf(service), scope: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', events: null,
    };
  }

  private grpcSpan(traceId: string, branchId: string, op: Op, route: string, answer: DtmAnswer, start: number, dur: number, service: string): FlatSpan {
    const code = GRPC_STATUS[answer];
    const [, rpcService = '', rpcMethod = ''] = route.split('/');
    const serverError = [2, 4, 12, 13, 14, 15].includes(code);
    return {
      traceId, spanId: this.hex(16), parentSpanId: null, name: `${rpcService}/${rpcMethod}`, kind: 2,
      startMs: BASE_MS + start, endMs: BASE_MS + start + dur,
      statusCode: serverError ? 2 : 0, statusMessage: serverError ? 'connection refused' : null,
      attributes: {
        'rpc.system': 'grpc', 'rpc.service': rpcService, 'rpc.method': rpcMethod, 'rpc.grpc.status_code': code,
        'rpc.grpc.request.metadata.dtm-gid': [this.gid], 'rpc.grpc.request.metadata.dtm-trans_type': [this.opts.transType],
        'rpc.grpc.request.metadata.dtm-branch_id': [branchId], 'rpc.grpc.request.metadata.dtm-op': [op],
        'server.address': service, 'server.port': 58081,
      },
      resource: resourceOf(service), scope: 'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc', events: null,
    };
  }

  private hex(length: number): string {
    const n = (++this.ids).toString(16);
    return (this.opts.seed.toString(16).padStart(4, '0') + 'd7').padEnd(length - n.length, '0') + n;
  }
}

const resources = new Map<string, Record<string, AttrValue>>();

/** One resource object per service, as an OTLP decoder shares it between a service's spans. */
function resourceOf(service: string): Record<string, AttrValue> {
  let r = resources.get(service);
  if (r === undefined) resources.set(service, (r = { 'service.name': service, 'telemetry.sdk.language': 'go', 'telemetry.sdk.name': 'opentelemetry' }));
  return r;
}

/** `/api/busi/TransOut` → `busi`; `/busi.Busi/TransOut` → `busi`. */
function serviceOf(route: string): string {
  const first = route.split('/').filter(Boolean)[0] ?? 'app';
  return (first === 'api' ? (route.split('/').filter(Boolean)[1] ?? 'app') : first.split('.')[0]!).toLowerCase();
}
