/**
 * PostgreSQL goes away during sustained ingest from the official OTel JS SDK
 * exporters (gRPC and HTTP/protobuf, BatchSpanProcessor). Several times while
 * the senders run, every backend of the collector is terminated
 * (pg_terminate_backend); every other time the database also refuses new
 * connections for a while (CONNECTION LIMIT 0 on a database owned by a
 * non-superuser role), which is what a restart looks like to the collector.
 *
 * Run twice:
 * - as configured by default, the collector writes a failed batch again for up
 *   to SAGASCOPE_INGEST_DB_RETRY_MS (5 s), longer than these outages: every
 *   span the SDKs made is stored exactly once, no exporter reports a failure,
 *   and no request is refused;
 * - with that retry off, the collector refuses with UNAVAILABLE / 503 during
 *   the outages and never acknowledges what it has not committed: every span
 *   the SDK reported as exported is stored exactly once, no span it reported as
 *   failed is stored, and the HTTP exporter (which retries) gave up on none.
 *   The gRPC exporter of OTel JS does not retry at all, so what was refused to
 *   it is lost on the sender's side; counted, not hidden.
 * Both times, summaries and rollups agree with the spans.
 */
import { expect, it } from 'vitest';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import type { Db } from '../../lib/db/connection';
import { startCollector, type RunningCollector } from '../../collector/start-collector';
import { adminQuery, createFaultDb, expectSummariesConsistent, killBackends, report, sleep, spanKey, storedKeys, type FaultDb } from './support';

const SENDERS = 4;
const SAGAS_PER_SENDER = 1_500; // × 5 spans = 30,000 spans in all
const RUN_MS = 20_000;
const KILLS = 6;
const OUTAGE_MS = 1_500;

interface Run {
  fdb: FaultDb;
  db: Db;
  collector: RunningCollector;
}

async function startRun(retryMs: number | undefined): Promise<Run> {
  const fdb = await createFaultDb({ ownRole: true });
  const config = parseConfig({
    SAGASCOPE_DATA_DIR: 'memory://',
    SAGASCOPE_HOST: '127.0.0.1',
    COLLECTOR_GRPC_PORT: '0',
    COLLECTOR_HTTP_PORT: '0',
    DATABASE_URL: fdb.url,
    SAGASCOPE_LOG_LEVEL: 'error',
    ...(retryMs === undefined ? {} : { SAGASCOPE_INGEST_DB_RETRY_MS: String(retryMs) }),
  });
  const db = await openMigratedDb(config);
  return { fdb, db, collector: await startCollector(db, config) };
}

async function stopRun(r: Run | undefined): Promise<void> {
  if (!r) return;
  await adminQuery(`ALTER DATABASE ${r.fdb.name} CONNECTION LIMIT -1`).catch(() => undefined);
  await r.collector.close();
  await r.db.close();
  await r.fdb.drop();
}

/** The SDK's own verdict per span: what its exporter reported to the processor. */
class RecordingExporter implements SpanExporter {
  readonly exported = new Set<string>();
  readonly failed = new Set<string>();
  /** Why the SDK gave up, per distinct message. */
  readonly reasons = new Map<string, number>();
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      const into = r.code === ExportResultCode.SUCCESS ? this.exported : this.failed;
      for (const s of spans) into.add(spanKey(s.spanContext().traceId, s.spanContext().spanId));
      if (r.code !== ExportResultCode.SUCCESS) {
        const why = String(r.error?.message ?? r.error).slice(0, 120);
        this.reasons.set(why, (this.reasons.get(why) ?? 0) + spans.length);
      }
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

interface Sender {
  kind: string;
  exporter: RecordingExporter;
  provider: BasicTracerProvider;
  tracer: Tracer;
  ended: number;
}

function makeSender(collector: RunningCollector, kind: 'grpc' | 'http/protobuf', i: number): Sender {
  const inner = kind === 'grpc' ? new GrpcExporter({ url: `http://127.0.0.1:${collector.grpcPort}` }) : new ProtoExporter({ url: `http://127.0.0.1:${collector.httpPort}/v1/traces` });
  const exporter = new RecordingExporter(inner);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `sender-${i}` }),
    // A queue large enough that the processor itself never drops a span while an export is retried.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 20_000, maxExportBatchSize: 500, scheduledDelayMillis: 200 })],
  });
  return { kind, exporter, provider, tracer: provider.getTracer('faults'), ended: 0 };
}

/** One saga: a coordinator span and four steps; every tenth fails at the third step and compensates the first two. */
function emitSaga(s: Sender, id: string, n: number): void {
  const t0 = Date.now() - 5_000;
  const root = s.tracer.startSpan('saga checkout', {
    startTime: t0,
    attributes: { 'saga.id': id, 'saga.name': 'fault-checkout', 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
  });
  const failing = n % 10 === 0;
  const plan: [string, 'action' | 'compensate', boolean][] = failing
    ? [
        ['order', 'action', false],
        ['stock', 'action', false],
        ['pay', 'action', true],
        ['stock', 'compensate', false],
      ]
    : [
        ['order', 'action', false],
        ['stock', 'action', false],
        ['pay', 'action', false],
        ['ship', 'action', false],
      ];
  const index: Record<string, number> = { order: 1, stock: 2, pay: 3, ship: 4 };
  plan.forEach(([step, op, fail], k) => {
    const span = s.tracer.startSpan(
      `${op} ${step}`,
      {
        kind: SpanKind.SERVER,
        startTime: t0 + 1 + k * 10,
        attributes: { 'saga.id': id, 'saga.step': step, 'saga.step.index': index[step]!, 'saga.op': op, 'saga.attempt': 1, 'saga.role': 'participant' },
      },
      trace.setSpan(context.active(), root),
    );
    if (fail) span.setStatus({ code: SpanStatusCode.ERROR, message: `${step} failed` });
    span.end(t0 + 6 + k * 10);
  });
  root.end(t0 + 50);
  s.ended += 5;
}

/** Senders at an even pace, KILLS outages meanwhile; the SDKs' verdicts, what was stored and the collector's answers. */
async function runWithOutages({ fdb, collector }: Run) {
  const senders = Array.from({ length: SENDERS }, (_, i) => makeSender(collector, i % 2 === 0 ? 'grpc' : 'http/protobuf', i));
  const started = Date.now();

  // Senders: sagas at an even pace over RUN_MS, bounded by count and time.
  const produce = (async () => {
    const perTick = Math.ceil((SAGAS_PER_SENDER * 50) / RUN_MS);
    for (let n = 0; n < SAGAS_PER_SENDER && Date.now() - started < RUN_MS + 10_000; ) {
      for (const s of senders) for (let k = 0; k < perTick && n + k < SAGAS_PER_SENDER; k++) emitSaga(s, `fault-${s.kind}-${senders.indexOf(s)}-${n + k}`, n + k);
      n += perTick;
      await sleep(50);
    }
  })();

  // Faults: kills spread over the run; odd ones keep the database closed for OUTAGE_MS.
  const outages: { at: number; killed: number; closedMs: number }[] = [];
  for (let k = 0; k < KILLS; k++) {
    await sleep(RUN_MS / (KILLS + 1));
    const at = Date.now() - started;
    const closed = k % 2 === 1;
    if (closed) await adminQuery(`ALTER DATABASE ${fdb.name} CONNECTION LIMIT 0`);
    const killed = await killBackends(fdb.name);
    const t = Date.now();
    if (closed) {
      await sleep(OUTAGE_MS);
      await adminQuery(`ALTER DATABASE ${fdb.name} CONNECTION LIMIT -1`);
    }
    outages.push({ at, killed, closedMs: closed ? Date.now() - t : 0 });
  }
  await produce;
  const produceMs = Date.now() - started;
  // forceFlush waits for the exports in progress, retries included.
  await Promise.all(senders.map((s) => s.provider.forceFlush()));
  await Promise.all(senders.map((s) => s.provider.shutdown()));

  const ended = senders.reduce((a, s) => a + s.ended, 0);
  const exported = new Set(senders.flatMap((s) => [...s.exporter.exported]));
  const failed = new Set(senders.flatMap((s) => [...s.exporter.failed]));
  const stored = await storedKeys(fdb);
  const outcomes = Object.fromEntries(collector.metrics.requests);
  const figures = {
    spansEnded: ended,
    exportedOk: exported.size,
    exportFailed: failed.size,
    failedBy: Object.fromEntries(senders.map((s) => [`${s.kind}#${senders.indexOf(s)}`, Object.fromEntries(s.exporter.reasons)])),
    stored: stored.size,
    produceMs,
    outages,
    requests: outcomes,
    dbRetries: collector.metrics.dbRetries,
    duplicatesIgnored: collector.metrics.spansDuplicate,
  };
  expect(outages.every((o) => o.killed > 0), 'every kill hit a collector connection').toBe(true);
  expect([...exported].filter((k) => !stored.has(k)), 'spans the SDK was told are stored').toEqual([]);
  expect([...failed].filter((k) => stored.has(k)), 'refused spans that were stored after all').toEqual([]);
  expect(stored.size).toBe(exported.size);
  expect(exported.size + failed.size).toBe(ended);
  expect(outcomes['grpc|internal'] ?? 0).toBe(0);
  expect(outcomes['http|internal'] ?? 0).toBe(0);
  const { sagas } = await expectSummariesConsistent(fdb);
  expect(sagas).toBeGreaterThan(0);
  expect(sagas).toBeLessThanOrEqual(SENDERS * SAGAS_PER_SENDER);
  return { senders, ended, failed, outcomes, figures };
}

it(
  'default: the collector rides out the outages: every span the SDKs made is stored exactly once, none refused',
  async () => {
    let run: Run | undefined;
    try {
      run = await startRun(undefined);
      const { ended, failed, outcomes, figures } = await runWithOutages(run);
      report('db-outage (retry on, default)', figures);
      expect(failed.size, 'spans an exporter gave up on').toBe(0);
      expect(figures.stored).toBe(ended);
      expect((outcomes['grpc|unavailable'] ?? 0) + (outcomes['http|unavailable'] ?? 0)).toBe(0);
      expect(run.collector.metrics.dbRetries, 'batches written again').toBeGreaterThan(0);
    } finally {
      await stopRun(run);
    }
  },
  180_000,
);

it(
  'retry off: 503/UNAVAILABLE during the outages, every exported span stored exactly once, nothing refused is stored',
  async () => {
    let run: Run | undefined;
    try {
      run = await startRun(0);
      const { senders, outcomes, figures } = await runWithOutages(run);
      report('db-outage (retry off)', figures);
      // The HTTP exporter retries 503 + Retry-After, and the outages are shorter than its retry budget: it gave up on nothing.
      for (const s of senders.filter((x) => x.kind === 'http/protobuf')) expect(s.exporter.failed.size).toBe(0);
      // The gRPC exporter of OTel JS (0.223) does not retry at all: its transport reports every error as final.
      // What it gave up on was refused with the retryable UNAVAILABLE, and is neither stored nor acknowledged.
      for (const s of senders.filter((x) => x.kind === 'grpc')) {
        expect([...s.exporter.reasons.keys()].every((why) => why.startsWith('14 UNAVAILABLE'))).toBe(true);
      }
      // During the outages the collector refused (retryable) instead of acknowledging or failing hard.
      expect((outcomes['grpc|unavailable'] ?? 0) + (outcomes['http|unavailable'] ?? 0)).toBeGreaterThan(0);
      expect(run.collector.metrics.dbRetries).toBe(0);
    } finally {
      await stopRun(run);
    }
  },
  180_000,
);
