/**
 * Business keys and search (issue 18): keys from span and resource attributes,
 * from the configured list and `saga.key.*`, stored on ingest through the real
 * collector (OTel SDK exporter and OTLP/HTTP) into PostgreSQL, and found through
 * `q` and `key` of the list (the route handler and listSagas); prefix matches;
 * hostile keys handled like other attribute values; the saga page lists what
 * the index holds; retention sweeps the keys of deleted sagas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { hex, makeSpan } from '../support/spans';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { listSagas, getSagaDetail } from '../../lib/db/read';
import { parseSagaListQuery } from '../../lib/api/query';
import { keySubquery, searchSubquery } from '../../lib/search/saga-filter';
import { setSharedDb } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { pruneExpiredSpans, sweepOrphanKeys } from '../../lib/retention/store';
import { modelConfigFrom } from '../../lib/config/model';
import { apiRequest } from '../support/api-client';
import type { FlatSpan } from '../../lib/otlp/types';
import * as sagasRoute from '../../app/api/sagas/route';

let env: TestEnv;
let viewer: string;
const run = hex(3);

beforeAll(async () => {
  // One extra name on top of the default list (README "Finding a saga").
  env = await startTestEnv({ SAGASCOPE_KEY_ATTRIBUTES: '+tenant.order_ref' });
  setSharedDb(env.db);
  viewer = (await createToken(env.db, { actor: 'test', role: 'system', via: 'system' }, { name: 'viewer', role: 'viewer' })).token;
});
afterAll(async () => {
  await env?.close();
});

async function send(spans: FlatSpan[]): Promise<void> {
  const res = await fetch(`${env.httpUrl}/v1/traces`, {
    method: 'POST',
    body: Buffer.from(encodeProtobufRequest(spans)),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
}

async function find(params: Record<string, string>): Promise<string[]> {
  const parsed = parseSagaListQuery(params);
  if (!parsed.ok) throw new Error(parsed.error);
  return (await listSagas(env.db, parsed.value)).items.map((s) => s.id).sort();
}

/** The keys the saga page lists (lib/db/read.ts getSagaDetail), under this file's configuration. */
const pageKeysOf = async (sagaId: string) =>
  (await getSagaDetail(env.db, sagaId, modelConfigFrom(env.config, Date.now()), env.config.SAGASCOPE_MAX_SAGA_SPANS, null, env.config.SAGASCOPE_KEY_ATTRIBUTES))!
    .keys.map((k) => `${k.name}=${k.value}`);

/**
 * The keys stored in the search index (table saga_keys), each once (a row may
 * repeat, and holds every name of its value: ADR 0016), values folded.
 */
const keysOf = async (sagaId: string) =>
  (await env.db.query<{ name: string; value: string }>(
    `SELECT DISTINCT n AS name, value FROM saga_keys, unnest(names::text[]) AS n WHERE saga_id = $1 ORDER BY name, value`, [sagaId],
  )).map((k) => `${k.name}=${k.value}`);

/** `name=value` keys as the index holds them: the value folded (lib/search/keys.ts foldKeyValue). */
const folded = (...keys: string[]) => keys.map((k) => k.slice(0, k.indexOf('=') + 1) + k.slice(k.indexOf('=') + 1).toLowerCase());

describe('keys through the OTel SDK', () => {
  it('stores keys from span attributes, resource attributes, saga.key.* and the configured list, once per saga', async () => {
    const sagaId = `Checkout-${run}-SDK`;
    const provider = (service: string, extra: Record<string, string | number> = {}) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, ...extra }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${env.httpUrl}/v1/traces` }))],
      });
    const orchestrator = provider('orchestrator');
    // A per-tenant worker: its resource names the account it serves.
    const payments = provider('payments', { 'account.id': `ACC-${run}` });
    const t0 = Date.now() - 10_000;
    const root = orchestrator.getTracer('t').startSpan('saga checkout', {
      startTime: t0,
      attributes: { 'saga.id': sagaId, 'saga.name': 'checkout', 'saga.role': 'coordinator', 'saga.key.order_id': `ORD-${run}-1` },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 3; i++) {
      const step = payments.getTracer('t').startSpan(`charge ${i}`, {
        kind: SpanKind.SERVER,
        startTime: t0 + 1 + i,
        attributes: {
          'saga.id': sagaId, 'saga.step': 'charge', 'saga.step.index': 1, 'saga.op': 'action', 'saga.attempt': i + 1,
          // The same order id under the snake_case name on every attempt: one key.
          order_id: `ORD-${run}-1`,
          // An int, as SDKs send numeric ids.
          'payment.id': 4_200_000 + Number.parseInt(run, 16),
          'tenant.order_ref': `REF-${run}`,
          'http.route': '/charge', // not a key
        },
      }, ctx);
      step.end(t0 + 2 + i);
    }
    root.end(t0 + 20);
    await Promise.all([orchestrator.forceFlush(), payments.forceFlush()]);
    await Promise.all([orchestrator.shutdown(), payments.shutdown()]);

    await eventually(async () => expect(await keysOf(sagaId)).toEqual(folded(
      `account.id=ACC-${run}`,
      `order_id=ORD-${run}-1`,
      `payment.id=${4_200_000 + Number.parseInt(run, 16)}`,
      `tenant.order_ref=REF-${run}`,
    )));

    // q: any key value, in any case; key=name:value.
    expect(await find({ q: `ord-${run}-1` })).toEqual([sagaId]);
    expect(await find({ q: `acc-${run}` })).toEqual([sagaId]);
    expect(await find({ q: String(4_200_000 + Number.parseInt(run, 16)) })).toEqual([sagaId]);
    expect(await find({ key: `order_id:ORD-${run}-1` })).toEqual([sagaId]);
    expect(await find({ key: `tenant.order_ref:ref-${run}` })).toEqual([sagaId]);
    // The name must match: the order id is not a payment id.
    expect(await find({ key: `payment.id:ORD-${run}-1` })).toEqual([]);
    expect(await find({ q: `/charge` })).toEqual([]);

    // The saga page's data lists them, read from the spans by the same extractor (lib/search/saga-keys.ts).
    expect(folded(...(await pageKeysOf(sagaId)))).toEqual(await keysOf(sagaId));
    expect(await pageKeysOf(sagaId)).toContain(`account.id=ACC-${run}`);
    // Under the default list (another process's configuration), tenant.order_ref is no key.
    const detail = await getSagaDetail(env.db, sagaId, modelConfigFrom(env.config, Date.now()), env.config.SAGASCOPE_MAX_SAGA_SPANS);
    expect(detail!.keys.map((k) => k.name)).toEqual(['account.id', 'order_id', 'payment.id']);
    // With keys off, none.
    expect((await getSagaDetail(env.db, sagaId, modelConfigFrom(env.config, Date.now()), env.config.SAGASCOPE_MAX_SAGA_SPANS, null, null))!.keys).toEqual([]);
  });
});

describe('q and the other filters', () => {
  const a = `PayFlow-${run}-aaaa`;
  const b = `PayFlow-${run}-bbbb`;
  const traceA = hex(16);
  const spanA = hex(8);
  beforeAll(async () => {
    const t0 = Date.now() - 20_000;
    await send([
      makeSpan({ traceId: traceA, spanId: spanA, service: 'payments-eu', startMs: t0, endMs: t0 + 5,
        attributes: { 'saga.id': a, 'saga.name': 'checkout-v2', 'saga.step': 's', 'saga.step.index': 1, 'saga.op': 'action' } }),
      makeSpan({ service: 'ledger', startMs: t0 + 1, endMs: t0 + 6,
        attributes: { 'saga.id': b, 'saga.name': 'refund', 'saga.step': 's', 'saga.step.index': 1, 'saga.op': 'action' } }),
    ]);
    await eventually(async () => expect(await find({ q: b })).toEqual([b]));
  });

  it('finds a saga by its whole id or a prefix of at least 6 characters, in any case', async () => {
    expect(await find({ q: a.toUpperCase() })).toEqual([a]);
    expect(await find({ q: `payflow-${run}-` })).toEqual([a, b]);
    expect(await find({ q: `PAYFLOW-${run}-A` })).toEqual([a]);
    // Shorter than 6: whole ids only.
    expect(await find({ q: 'PayFl' })).toEqual([]);
    // LIKE's wildcards are plain characters.
    expect(await find({ q: `payflow_${run}%` })).toEqual([]);
  });

  it('finds a saga by a trace id or a span id (any case)', async () => {
    expect(await find({ q: traceA.toUpperCase() })).toEqual([a]);
    expect(await find({ q: spanA.toUpperCase() })).toEqual([a]);
    expect(await find({ q: hex(8) })).toEqual([]);
  });

  it('matches name and service by prefix', async () => {
    expect(await find({ name: 'check', q: `payflow-${run}` })).toEqual([a]);
    expect(await find({ name: 'checkout-v2', q: `payflow-${run}` })).toEqual([a]);
    expect(await find({ service: 'payments', q: `payflow-${run}` })).toEqual([a]);
    expect(await find({ service: 'ledg', q: `payflow-${run}` })).toEqual([b]);
    expect(await find({ service: 'payments-eu-2', q: `payflow-${run}` })).toEqual([]);
    expect(await find({ name: '%', q: `payflow-${run}` })).toEqual([]);
  });
});

describe('keys of spans that join their saga later', () => {
  it('stores the keys of a child sent before its parent, and of one sent after it', async () => {
    const sagaId = `late-${run}`;
    const traceId = hex(16);
    const rootId = hex(8);
    const t0 = Date.now() - 30_000;
    // A child without saga.id, alone in its request: stored as an orphan first.
    await send([makeSpan({ traceId, parentSpanId: rootId, service: 'shipping', startMs: t0 + 1, endMs: t0 + 2, attributes: { 'shipment.id': `SHP-${run}` } })]);
    await send([makeSpan({ traceId, spanId: rootId, service: 'orchestrator', startMs: t0, endMs: t0 + 10,
      attributes: { 'saga.id': sagaId, 'saga.name': 'ship', 'saga.role': 'coordinator' } })]);
    // Then one whose parent is stored already.
    await send([makeSpan({ traceId, parentSpanId: rootId, service: 'billing', startMs: t0 + 3, endMs: t0 + 4, attributes: { 'invoice.id': `INV-${run}` } })]);
    await eventually(async () => expect(await keysOf(sagaId)).toEqual(folded(`invoice.id=INV-${run}`, `shipment.id=SHP-${run}`)));
    expect(await find({ q: `shp-${run}` })).toEqual([sagaId]);
    expect(await find({ key: `invoice.id:INV-${run}` })).toEqual([sagaId]);
  });
});

describe('the key index and the summaries', () => {
  it('reaches each matching summary through sagas_pkey (saga_keys.saga_id compares in the summaries\' collation)', async () => {
    // A saga_id in another collation than sagas.id (the "C" of saga_keys.value) left the join one
    // way only: reading every summary. The planner is told to avoid that way wherever it can.
    const params: unknown[] = [];
    const sql = `SELECT id FROM sagas WHERE id IN (${searchSubquery('ORD-1', params)}) AND id IN (${keySubquery({ name: 'order.id', value: 'ORD-1' }, params)})`;
    const plan = await env.db.transaction(async (tx) => {
      for (const off of ['enable_seqscan', 'enable_hashjoin', 'enable_mergejoin', 'enable_bitmapscan']) await tx.query(`SET LOCAL ${off} = off`);
      return (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using sagas_pkey on sagas/);
    expect(plan).toMatch(/saga_keys_value_saga_idx/);
    expect(plan).not.toMatch(/Seq Scan on sagas/);
  });
});

describe('keys that are stored already', () => {
  it('keeps the batch when a key of a saga without summary is in the table, and finds the saga once', async () => {
    // A key can precede its saga's summary: keys of a saga retention removed
    // that comes back before they are swept (lib/search/key-writer.ts).
    const sagaId = `prekeyed-${run}`;
    await env.db.query(`INSERT INTO saga_keys (saga_id, names, value) VALUES ($1, ARRAY['order.id'], $2)`, [sagaId, `ord-pre-${run}`]);
    await send([makeSpan({ service: 'orders', attributes: {
      'saga.id': sagaId, 'saga.name': 'prekeyed', 'order.id': `ORD-PRE-${run}`, 'payment.id': `PAY-PRE-${run}`,
    } })]);
    await eventually(async () => expect(await keysOf(sagaId)).toEqual(folded(`order.id=ORD-PRE-${run}`, `payment.id=PAY-PRE-${run}`)));
    const [summary] = await env.db.query<{ span_count: number }>(`SELECT span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(summary?.span_count).toBe(1);
    // The old row and the new one: one saga found, one key listed.
    expect(await count(`saga_keys WHERE saga_id = '${sagaId}' AND 'order.id' = ANY(names::text[])`)).toBe(2);
    expect(await find({ q: `ord-pre-${run}` })).toEqual([sagaId]);
    expect(await find({ key: `order.id:ORD-PRE-${run}` })).toEqual([sagaId]);
    expect(await pageKeysOf(sagaId)).toEqual([`order.id=ORD-PRE-${run}`, `payment.id=PAY-PRE-${run}`]);
  });

  it('finds a key stored before migration saga_keys_folded, folded there by PostgreSQL, outside ASCII too', async () => {
    // JavaScript lower-cases a final capital sigma to ς and İ to i + U+0307; the database's
    // lower() may not (C.UTF-8 gives σ and i; the C collation leaves both as they are).
    const sagaId = `migrated-${run}`;
    const raw = `ΟΔΟΣ-İ-${run}`;
    await send([makeSpan({ service: 'orders', attributes: { 'saga.id': sagaId, 'saga.name': 'migrated' } })]);
    await eventually(async () => expect(await count(`sagas WHERE id = '${sagaId}'`)).toBe(1));
    // As the migration left it: one name, the value folded by lower() in the database's collation.
    await env.db.query(`INSERT INTO saga_keys (saga_id, names, value) VALUES ($1, ARRAY['order.id'], lower($2::text))`, [sagaId, raw]);
    const [stored] = await env.db.query<{ value: string }>(`SELECT value FROM saga_keys WHERE saga_id = $1`, [sagaId]);
    expect(stored!.value).not.toBe(raw.toLowerCase()); // the case this test is about, on this database
    expect(await find({ q: raw })).toEqual([sagaId]);
    expect(await find({ q: raw.toLowerCase() === stored!.value ? raw : stored!.value })).toEqual([sagaId]);
    expect(await find({ key: `order.id:${raw}` })).toEqual([sagaId]);
    expect(await find({ key: `payment.id:${raw}` })).toEqual([]);
  });

  it('stores a key of a stored saga once, however often its spans repeat it', async () => {
    const sagaId = `repeat-${run}`;
    const traceId = hex(16);
    const span = (i: number) => makeSpan({ traceId, service: 'orders', startMs: Date.now() - 5_000 + i, endMs: Date.now() - 4_000 + i,
      attributes: { 'saga.id': sagaId, 'saga.name': 'repeat', 'order.id': `ORD-REP-${run}`, ...(i > 0 ? { 'payment.id': `PAY-REP-${run}` } : {}) } });
    await send([span(0)]);
    await eventually(async () => expect(await keysOf(sagaId)).toEqual(folded(`order.id=ORD-REP-${run}`)));
    // Later batches of the stored saga: one brings a new key, the next repeats both.
    await send([span(1)]);
    await send([span(2), span(3)]);
    await eventually(async () => expect(await count(`spans WHERE saga_id = '${sagaId}'`)).toBe(4));
    expect(await count(`saga_keys WHERE saga_id = '${sagaId}'`)).toBe(2);
  });
});

describe('hostile keys', () => {
  it('caps long names and values, replaces NUL and keeps other control characters, as for attribute values', async () => {
    const sagaId = `hostile-${run}`;
    const longName = 'n'.repeat(1_000);
    const longValue = `V${run}` + 'v'.repeat(20_000);
    const controls = `ctl-${run}\u0001\t\n\u001b[31m<b>x</b>\u0000end`;
    await send([makeSpan({ service: 'svc', attributes: {
      'saga.id': sagaId, 'saga.name': 'hostile',
      [`saga.key.${longName}`]: longValue,
      'saga.key.ctl': controls,
      'saga.key.lone': `lone-${run}\ud800`,
      'saga.key.': 'no name',
      'saga.key.empty': '',
      'saga.key.list': ['a', 'b'],
      ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`saga.key.k${String(i).padStart(2, '0')}`, `many-${run}-${i}`])),
    } })]);
    const keys = await eventually(async () => {
      const k = await env.db.query<{ name: string; value: string }>(`SELECT n AS name, value FROM saga_keys, unnest(names::text[]) AS n WHERE saga_id = $1`, [sagaId]);
      expect(k.length).toBeGreaterThan(0);
      return k;
    });
    // At most 32 keys per span.
    expect(keys).toHaveLength(32);
    const byName = new Map(keys.map((k) => [k.name, k.value]));
    expect(byName.get('n'.repeat(128))).toBe(longValue.slice(0, 256).toLowerCase());
    expect(byName.get('ctl')).toBe(controls.replace('\u0000', '\uFFFD').toLowerCase());
    // A lone surrogate: whatever the decoder made of it, the key holds what the span's attribute holds.
    const [stored] = await env.db.query<{ lone: string }>(`SELECT attributes->>'saga.key.lone' AS lone FROM spans WHERE saga_id = $1`, [sagaId]);
    expect(byName.get('lone')).toBe(stored!.lone.toLowerCase());
    expect(stored!.lone.isWellFormed()).toBe(true);
    expect(byName.has('')).toBe(false);
    expect(byName.has('empty')).toBe(false);
    expect(byName.has('list')).toBe(false);

    // Found by the capped value, and by a longer q that starts with it.
    expect(await find({ key: `${'n'.repeat(128)}:${longValue.slice(0, 256)}` })).toEqual([sagaId]);
    expect(await find({ q: longValue.slice(0, 300) })).toEqual([sagaId]);
    // Control characters reach the key filter (the saga page links to every key).
    expect(await find({ key: `ctl:${controls.replace('\u0000', '\uFFFD')}` })).toEqual([sagaId]);
    // The page cleans and caps the same way (which 32 of the 60 it lists may differ: lib/search/saga-keys.ts).
    const page = await pageKeysOf(sagaId);
    expect(page).toHaveLength(32);
    expect(page).toContain(`ctl=${controls.replace('\u0000', '\uFFFD')}`);
  });
});

describe('GET /api/sagas key and q', () => {
  const get = async (query: string) => {
    const res = await sagasRoute.GET(apiRequest('GET', `/api/sagas?${query}`, { bearer: viewer }));
    return { status: res.status, body: (await res.json()) as { error?: string; items?: { id: string }[] } };
  };

  it('answers 400 with a sentence for a malformed key', async () => {
    for (const [key, message] of [
      ['order_id', /must be <name>:<value>/],
      [':ORD-1', /key name before the colon is empty/],
      ['order_id:', /value after "order_id:" is empty/],
      ['order_id:  ', /value after "order_id:" is empty/],
      ['order_id:x\u0000', /NUL/],
      [`order_id:${'x'.repeat(600)}`, /at most 512/],
    ] as const) {
      const r = await get(`key=${encodeURIComponent(key)}`);
      expect(r.status, key).toBe(400);
      expect(r.body.error, key).toMatch(message);
    }
  });

  it('finds by key and by q over HTTP', async () => {
    const sagaId = `http-${run}`;
    await send([makeSpan({ service: 'svc', attributes: { 'saga.id': sagaId, 'saga.name': 'h', 'order.id': `HTTP-ORD-${run}` } })]);
    await eventually(async () => expect((await get(`key=${encodeURIComponent(`order.id:http-ord-${run}`)}`)).body.items?.map((i) => i.id)).toEqual([sagaId]));
    expect((await get(`q=HTTP-ORD-${run}`)).body.items?.map((i) => i.id)).toEqual([sagaId]);
    // A value with a colon: split at the first one.
    expect((await get(`key=${encodeURIComponent('order.id:a:b')}`)).status).toBe(200);
  });
});

describe('retention', () => {
  it('prunes a saga\'s keys with the saga', async () => {
    const old = `old-${run}`;
    const keep = `keep-${run}`;
    const t = Date.now() - 30 * 86_400_000;
    await send([
      makeSpan({ service: 'svc', startMs: t, endMs: t + 5, attributes: { 'saga.id': old, 'saga.name': 'r', 'order.id': `OLD-${run}` } }),
      makeSpan({ service: 'svc', attributes: { 'saga.id': keep, 'saga.name': 'r', 'order.id': `KEEP-${run}` } }),
    ]);
    await eventually(async () => expect(await find({ q: `old-${run}` })).toEqual([old]));
    await env.db.query(`UPDATE sagas SET last_activity_at = $2 WHERE id = $1`, [old, new Date(t + 5)]);
    const r = await pruneExpiredSpans(env.db, { olderThan: new Date(Date.now() - 7 * 86_400_000) });
    expect(r.sagasDeleted).toBeGreaterThanOrEqual(1);
    expect(await keysOf(old)).toEqual([]);
    expect(await keysOf(keep)).toEqual(folded(`order.id=KEEP-${run}`));
    expect(await find({ q: `OLD-${run}` })).toEqual([]);
  });

  it('sweeps a large table once a sampled quarter of its keys is orphaned, and never a live key', async () => {
    // Every page counts as large here (alwaysBelowPages 0); the table is small, so the sample reads all of it.
    const policy = { alwaysBelowPages: 0, share: 0.25 };
    const live = await count('saga_keys');
    expect(live).toBeGreaterThan(10);
    const orphans = async (n: number, tag: string) => env.db.query(
      `INSERT INTO saga_keys (saga_id, names, value) SELECT 'gone-' || $1 || '-' || g, ARRAY['order.id'], 'gone-' || g FROM generate_series(1, $2::int) g`,
      [`${tag}-${run}`, n],
    );
    await orphans(Math.floor(live / 10), 'few');
    expect(await sweepOrphanKeys(env.db, () => true, policy)).toEqual({ swept: false, deleted: 0, complete: true });
    expect(await count('saga_keys')).toBe(live + Math.floor(live / 10));
    await orphans(live, 'many');
    expect(await sweepOrphanKeys(env.db, () => true, policy)).toEqual({ swept: true, deleted: live + Math.floor(live / 10), complete: true });
    expect(await count('saga_keys')).toBe(live);
    expect(await count(`saga_keys k WHERE NOT EXISTS (SELECT 1 FROM sagas s WHERE s.id = k.saga_id)`)).toBe(0);
  });
});

const count = async (from: string) => (await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`))[0]!.n;
