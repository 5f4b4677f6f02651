/**
 * Table-driven OTLP protocol tests against the running collector (real
 * PostgreSQL behind it): every row of the error table, gzip, JSON quirks,
 * oversize, partial success, duplicate re-send, child-before-parent.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { eventually, SPAN_PARTITIONS, startTestEnv, type TestEnv } from './harness';
import { makeSpan, toOtlpJson, hex } from '../support/spans';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { decodeExportResponseProto } from '../../lib/otlp/response';
import { openDb } from '../../lib/db/connection';
import { parseConfig } from '../../lib/config/env';
import { startCollector } from '../../collector/start-collector';
import { LOCK_KEYS, lockIdParts } from '../../lib/db/locks';
import { rawTraceClient } from '../../collector/trace-service';
import type { FlatSpan } from '../../lib/otlp/types';

const MAX = 256 * 1024;
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_MAX_REQUEST_BYTES: String(MAX) });
});
afterAll(async () => {
  await env?.close();
});

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

async function postHttp(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${url}/v1/traces`, { method: "POST", body: typeof body === "string" ? body : Buffer.from(body), headers });
  const buf = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf };
}

function grpcExport(url: string, body: Uint8Array, options: grpc.ClientOptions = {}) {
  const client = rawTraceClient(url.replace('http://', ''), options);
  return new Promise<{ code: number; details?: string; body?: Buffer }>((resolve) => {
    client.Export(Buffer.from(body), (err, res) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, body: res });
    });
  });
}

async function storedCount(spans: FlatSpan[]): Promise<number> {
  const rows = await env.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM spans WHERE span_id = ANY($1::text[])`,
    [spans.map((s) => s.spanId)],
  );
  return rows[0]!.n;
}

const invalidSpan = (): FlatSpan => makeSpan({ traceId: '0'.repeat(32) });

describe('OTLP/HTTP', () => {
  it.each([
    { name: 'protobuf', type: PROTO, gzip: false },
    { name: 'protobuf gzip', type: PROTO, gzip: true },
    { name: 'json', type: JSON_TYPE, gzip: false },
    { name: 'json gzip', type: JSON_TYPE, gzip: true },
    { name: 'json with int64 as numbers', type: JSON_TYPE, gzip: false, int64AsNumber: true },
  ])('$name: 200, response in the request encoding, spans stored', async ({ type, gzip, int64AsNumber }) => {
    const spans = [makeSpan(), makeSpan()];
    const raw = type === PROTO ? encodeProtobufRequest(spans) : toOtlpJson(spans, { int64AsNumber });
    const body = gzip ? zlib.gzipSync(raw) : raw;
    const res = await postHttp(env.httpUrl, body, { 'Content-Type': type, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    if (type === JSON_TYPE) expect(JSON.parse(Buffer.from(res.body).toString())).toEqual({});
    else expect(decodeExportResponseProto(res.body).partialSuccess).toBeNull();
    expect(await storedCount(spans)).toBe(2);
  });

  it.each([PROTO, JSON_TYPE])('%s partial success: invalid spans counted, the rest stored', async (type) => {
    const good = [makeSpan(), makeSpan()];
    const spans = [good[0]!, invalidSpan(), good[1]!];
    const res = await postHttp(env.httpUrl, type === PROTO ? encodeProtobufRequest(spans) : toOtlpJson(spans), { 'Content-Type': type });
    expect(res.status).toBe(200);
    const partial =
      type === PROTO
        ? decodeExportResponseProto(res.body).partialSuccess
        : JSON.parse(Buffer.from(res.body).toString()).partialSuccess;
    expect(Number(partial.rejectedSpans)).toBe(1);
    expect(partial.errorMessage).toMatch(/trace/i);
    expect(await storedCount(good)).toBe(2);
  });

  it.each([
    { name: 'undecodable protobuf', type: PROTO, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), status: 400 },
    { name: 'invalid JSON', type: JSON_TYPE, body: '{"resourceSpans": [', status: 400 },
    { name: 'JSON that is not an object', type: JSON_TYPE, body: '[1,2]', status: 400 },
    { name: 'unsupported content type', type: 'text/plain', body: 'hello', status: 415 },
    { name: 'bad gzip', type: PROTO, body: Buffer.from('not gzip'), status: 400, encoding: 'gzip' },
    { name: 'unknown content encoding', type: PROTO, body: Buffer.from('x'), status: 400, encoding: 'br' },
    { name: 'body over the limit', type: PROTO, body: Buffer.alloc(MAX + 1), status: 413 },
    { name: 'gzip bomb over the limit once decompressed', type: PROTO, body: zlib.gzipSync(Buffer.alloc(MAX * 4)), status: 413, encoding: 'gzip' },
  ])('$name → $status', async ({ type, body, status, encoding }) => {
    const res = await postHttp(env.httpUrl, body, { 'Content-Type': type, ...(encoding ? { 'Content-Encoding': encoding } : {}) });
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('answers errors with a google.rpc.Status in JSON for JSON requests', async () => {
    const res = await postHttp(env.httpUrl, '{nope', { 'Content-Type': JSON_TYPE });
    const status = JSON.parse(Buffer.from(res.body).toString());
    expect(status).toMatchObject({ code: 3 });
    expect(status.message).toMatch(/decode/);
  });

  it('duplicate re-send stores nothing new and leaves the saga summary untouched', async () => {
    const sagaId = `dup-${hex(4)}`;
    const spans = [makeSpan({ attributes: { 'saga.id': sagaId, 'saga.step': 'a', 'saga.op': 'action', 'saga.role': 'participant' } })];
    const body = encodeProtobufRequest(spans);
    expect((await postHttp(env.httpUrl, body, { 'Content-Type': PROTO })).status).toBe(200);
    const before = await env.db.query(`SELECT updated_at::text, span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(before).toHaveLength(1);
    expect((await postHttp(env.httpUrl, body, { 'Content-Type': PROTO })).status).toBe(200);
    const after = await env.db.query(`SELECT updated_at::text, span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(after).toEqual(before);
    expect(await storedCount(spans)).toBe(1);
  });

  it('one request with a span twice and a span id reused in another trace stores each span once', async () => {
    const sagaId = `dup1-${hex(4)}`;
    const attrs = (step: string) => ({ 'saga.id': sagaId, 'saga.step': step, 'saga.op': 'action', 'saga.role': 'participant' });
    const a = makeSpan({ attributes: attrs('a') });
    const twin = makeSpan({ spanId: a.spanId, attributes: attrs('b') }); // same span id, another trace
    const c = makeSpan({ attributes: attrs('c') });
    expect((await postHttp(env.httpUrl, encodeProtobufRequest([a, twin, a, c, a]), { 'Content-Type': PROTO })).status).toBe(200);
    const rows = await env.db.query<{ trace_id: string; step: string }>(
      `SELECT trace_id, step FROM spans WHERE saga_id = $1 ORDER BY step`, [sagaId],
    );
    expect(rows).toEqual([
      { trace_id: a.traceId, step: 'a' },
      { trace_id: twin.traceId, step: 'b' },
      { trace_id: c.traceId, step: 'c' },
    ]);
    const [summary] = await env.db.query<{ span_count: number }>(`SELECT span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(summary!.span_count).toBe(3);
  });

  it('child before parent: a saga-less child stored first joins the saga when its parent arrives', async () => {
    const traceId = hex(16);
    const sagaId = `cbp-${hex(4)}`;
    const parent = makeSpan({ traceId, attributes: { 'saga.id': sagaId, 'saga.step': 'ship', 'saga.op': 'action', 'saga.role': 'participant' } });
    const child = makeSpan({ traceId, parentSpanId: parent.spanId, name: 'db' });
    const grandchild = makeSpan({ traceId, parentSpanId: child.spanId, name: 'socket' });
    expect((await postHttp(env.httpUrl, encodeProtobufRequest([grandchild]), { 'Content-Type': PROTO })).status).toBe(200);
    expect((await postHttp(env.httpUrl, encodeProtobufRequest([child]), { 'Content-Type': PROTO })).status).toBe(200);
    expect((await postHttp(env.httpUrl, encodeProtobufRequest([parent]), { 'Content-Type': PROTO })).status).toBe(200);
    const rows = await env.db.query<{ span_id: string; saga_id: string | null }>(
      `SELECT span_id, saga_id FROM spans WHERE trace_id = $1 ORDER BY span_id`, [traceId],
    );
    expect(rows.every((r) => r.saga_id === sagaId)).toBe(true);
    expect(rows).toHaveLength(3);
    const [summary] = await env.db.query<{ span_count: number }>(`SELECT span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(summary!.span_count).toBe(3);
  });

  it('parent before child: a late child adopts the stored ancestor saga', async () => {
    const traceId = hex(16);
    const sagaId = `pbc-${hex(4)}`;
    const parent = makeSpan({ traceId, attributes: { 'saga.id': sagaId, 'saga.step': 'ship', 'saga.op': 'action' } });
    const child = makeSpan({ traceId, parentSpanId: parent.spanId });
    const grandchild = makeSpan({ traceId, parentSpanId: child.spanId });
    await postHttp(env.httpUrl, encodeProtobufRequest([parent]), { 'Content-Type': PROTO });
    await postHttp(env.httpUrl, encodeProtobufRequest([child]), { 'Content-Type': PROTO });
    await postHttp(env.httpUrl, encodeProtobufRequest([grandchild]), { 'Content-Type': PROTO });
    const rows = await env.db.query<{ saga_id: string | null }>(`SELECT saga_id FROM spans WHERE trace_id = $1`, [traceId]);
    expect(rows.map((r) => r.saga_id)).toEqual([sagaId, sagaId, sagaId]);
  });
});

describe('OTLP/gRPC', () => {
  it('stores spans and answers an empty response', async () => {
    const spans = [makeSpan(), makeSpan()];
    const res = await grpcExport(env.grpcUrl, encodeProtobufRequest(spans));
    expect(res.code).toBe(grpc.status.OK);
    expect(decodeExportResponseProto(res.body!).partialSuccess).toBeNull();
    expect(await storedCount(spans)).toBe(2);
  });

  it('accepts gzip-compressed messages', async () => {
    const spans = [makeSpan()];
    const res = await grpcExport(env.grpcUrl, encodeProtobufRequest(spans), { 'grpc.default_compression_algorithm': 2 });
    expect(res.code).toBe(grpc.status.OK);
    expect(await storedCount(spans)).toBe(1);
  });

  it('partial success', async () => {
    const good = makeSpan();
    const res = await grpcExport(env.grpcUrl, encodeProtobufRequest([good, invalidSpan()]));
    expect(res.code).toBe(grpc.status.OK);
    expect(decodeExportResponseProto(res.body!).partialSuccess?.rejectedSpans).toBe(1);
    expect(await storedCount([good])).toBe(1);
  });

  it.each([
    { name: 'undecodable', body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), code: grpc.status.INVALID_ARGUMENT },
    { name: 'over the limit', body: encodeProtobufRequest([makeSpan({ name: 'x'.repeat(MAX + 10) })]), code: grpc.status.RESOURCE_EXHAUSTED },
  ])('$name → $code', async ({ body, code }) => {
    expect((await grpcExport(env.grpcUrl, body)).code).toBe(code);
  });
});

describe('unavailable storage and saturation', () => {
  it('database unreachable → written again for SAGASCOPE_INGEST_DB_RETRY_MS, then HTTP 503 with Retry-After, gRPC UNAVAILABLE', async () => {
    const config = parseConfig({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none',
      COLLECTOR_GRPC_PORT: '0',
      COLLECTOR_HTTP_PORT: '0',
      SAGASCOPE_INGEST_DB_RETRY_MS: '300',
    });
    const db = await openDb(config);
    const collector = await startCollector(db, config);
    try {
      const http = await postHttp(`http://127.0.0.1:${collector.httpPort}`, encodeProtobufRequest([makeSpan()]), { 'Content-Type': PROTO });
      expect(http.status).toBe(503);
      expect(http.headers.get('retry-after')).toBe('5');
      const g = await grpcExport(`http://127.0.0.1:${collector.grpcPort}`, encodeProtobufRequest([makeSpan()]));
      expect(g.code).toBe(grpc.status.UNAVAILABLE);
      expect(collector.metrics.dbRetries).toBeGreaterThanOrEqual(2); // at least one more attempt per request
    } finally {
      await collector.close();
      await db.close();
    }
  });

  it('saturated → HTTP 429 with Retry-After and gRPC UNAVAILABLE; what was accepted is stored once the writer recovers', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const config = parseConfig({
      DATABASE_URL: env.databaseUrl,
      COLLECTOR_GRPC_PORT: '0',
      COLLECTOR_HTTP_PORT: '0',
      SAGASCOPE_INGEST_MAX_QUEUE_SPANS: '3',
      SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS, // env's layout, as every collector on it would run
      SAGASCOPE_INGEST_WRITERS: '1',
    });
    const db = await openDb(config);
    const collector = await startCollector(db, config);
    // Hold the writers' phase-2 lock from outside: the first batch blocks in the database.
    const blocker = new pg.Client({ connectionString: env.databaseUrl });
    await blocker.connect();
    await blocker.query(`SELECT pg_advisory_lock(${LOCK_KEYS.ingestPhase2})`);
    try {
      const url = `http://127.0.0.1:${collector.httpPort}`;
      const accepted = [makeSpan({ attributes: { 'saga.id': `sat-${hex(3)}` } }), makeSpan()];
      const first = postHttp(url, encodeProtobufRequest(accepted), { 'Content-Type': PROTO });
      // The first batch is admitted and its writer waits on the lock (pg_locks shows the waiter): the queue is now full.
      const { classid, objid } = lockIdParts('ingestPhase2');
      await eventually(async () => {
        const { rows } = await blocker.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1::oid AND objid = $2::oid`,
          [classid, objid],
        );
        expect(rows[0]!.n).toBeGreaterThan(0);
      });
      const refused = await postHttp(url, encodeProtobufRequest([makeSpan(), makeSpan()]), { 'Content-Type': PROTO });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      const g = await grpcExport(`http://127.0.0.1:${collector.grpcPort}`, encodeProtobufRequest([makeSpan(), makeSpan()]));
      expect(g.code).toBe(grpc.status.UNAVAILABLE);
      await blocker.query(`SELECT pg_advisory_unlock(${LOCK_KEYS.ingestPhase2})`);
      expect((await first).status).toBe(200);
      expect(await storedCount(accepted)).toBe(2);
      const again = await postHttp(url, encodeProtobufRequest([makeSpan()]), { 'Content-Type': PROTO });
      expect(again.status).toBe(200);
    } finally {
      await blocker.end();
      await collector.close();
      await db.close();
    }
  });
});

describe('ingest bearer token', () => {
  it('refuses requests without the token (401 / UNAUTHENTICATED) and accepts it', async () => {
    const token = 'test-token-0123456789abcdef';
    const config = parseConfig({
      ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}),
      SAGASCOPE_DATA_DIR: 'memory://',
      COLLECTOR_GRPC_PORT: '0',
      COLLECTOR_HTTP_PORT: '0',
      SAGASCOPE_COLLECTOR_TOKEN: token,
      SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS,
    });
    const collector = await startCollector(env.db, config);
    try {
      const url = `http://127.0.0.1:${collector.httpPort}`;
      const body = encodeProtobufRequest([makeSpan()]);
      expect((await postHttp(url, body, { 'Content-Type': PROTO })).status).toBe(401);
      expect((await postHttp(url, body, { 'Content-Type': PROTO, Authorization: 'Bearer wrong-token-xxxxxxxxxx' })).status).toBe(401);
      expect((await postHttp(url, body, { 'Content-Type': PROTO, Authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await grpcExport(`http://127.0.0.1:${collector.grpcPort}`, body)).code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      await collector.close();
    }
  });
});

describe('collector /metrics and /health', () => {
  it('exposes Prometheus counters and a health check', async () => {
    const metrics = await (await fetch(`${env.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^sagascope_spans_received_total \d+$/m);
    expect(metrics).toMatch(/^sagascope_spans_stored_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^sagascope_spans_rejected_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^sagascope_ingest_queue_spans 0$/m);
    expect(metrics).toMatch(/sagascope_ingest_batch_seconds_count [1-9]/);
    // Batches that stored spans took the phase-2 lock: some time was spent holding it.
    expect(Number(/^sagascope_ingest_phase2_lock_held_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^sagascope_ingest_phase2_lock_wait_seconds_total \d/m);
    const health = await fetch(`${env.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', db: 'ok' });
  });
});
