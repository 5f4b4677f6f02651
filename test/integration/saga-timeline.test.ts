/**
 * GET /api/sagas/{id}/timeline (the rest of a large saga's rows, fetched by its
 * page) on real PostgreSQL: the body decodes to the saga's rows (the steps
 * GET /api/sagas/{id} lists, in its order) and to the view's compensation chain;
 * with server/start.ts in front, the body is compressed once and kept, marked
 * for that server and left alone by Next (no-transform); ETag / If-None-Match.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { toOtlpJson } from '../support/spans';
import { largeSagaSpans } from '../../bench/support/large-saga-load';
import type { SagaDetail } from '../../lib/api/types';
import { PRE_ENCODED_HEADER, preEncodingEnabled } from '../../lib/http/pre-encoded';
import { allRows } from '../../lib/ui/timeline-columns';
import { decodeTimelineWire } from '../../lib/ui/timeline-wire';
import { getSagaDetail } from '../../lib/db';
import { decodeChainWire } from '../../lib/ui/chain-wire';
import * as sagaRoute from '../../app/api/sagas/[id]/route';
import * as timelineRoute from '../../app/api/sagas/[id]/timeline/route';

const ID = 'timeline-it-0001';
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_AUTH: 'off' });
  setSharedDb(env.db);
  // 2,400 step rows: above the page's inline limit, so the page would fetch them here.
  const spans = largeSagaSpans(ID, 2_400, Date.now() - 120_000);
  for (let i = 0; i < spans.length; i += 800) {
    const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans.slice(i, i + 800)) });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await env?.close();
});
afterEach(() => preEncodingEnabled(false));

const params = { params: Promise.resolve({ id: ID }) };
const get = (headers: Record<string, string> = {}) => timelineRoute.GET(new Request(`http://127.0.0.1/api/sagas/${ID}/timeline`, { headers }), params);

it("returns all rows (the API's steps, in its order) and the view's chain", async () => {
  const detail = (await (await sagaRoute.GET(new Request(`http://127.0.0.1/api/sagas/${ID}`), params)).json()) as SagaDetail;
  expect(detail.steps).toHaveLength(2_400);
  const res = await get({ 'accept-encoding': 'gzip, br' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  // Not behind server/start.ts: plain JSON, which Next's server compresses as before.
  expect(res.headers.get(PRE_ENCODED_HEADER)).toBeNull();
  const { columns, chain } = decodeTimelineWire(await res.json());
  const rows = allRows(columns);
  // The same steps in the same order; times to the microsecond where the JSON has milliseconds.
  expect(rows.map((r) => [r.id, r.label, r.op, r.attempt, r.stepIndex, r.service])).toEqual(detail.steps.map((s) => [s.spanId, s.step, s.op, s.attempt, s.index, s.service]));
  rows.forEach((r, i) => expect(Math.floor(r.startMs)).toBe(Date.parse(detail.steps[i]!.startedAt)));
  const { view } = (await getSagaDetail(ID))!;
  expect(columns).toEqual(view.rows);
  const decoded = decodeChainWire(chain, columns);
  expect(decoded).toEqual(view.chain);
  expect(decoded.gapCount + decoded.compensatedCount).toBeGreaterThan(1_000);
});

it('behind server/start.ts: a kept brotli or gzip body, the same bytes each time; 304 for its ETag', async () => {
  const plain = await (await get()).text();
  preEncodingEnabled(true);
  const br = await get({ 'accept-encoding': 'gzip, deflate, br, zstd' });
  expect(br.headers.get(PRE_ENCODED_HEADER)).toBe('br');
  expect(br.headers.get('cache-control')).toBe('no-store, no-transform');
  expect(br.headers.get('vary')).toBe('Accept-Encoding');
  const brBytes = Buffer.from(await br.arrayBuffer());
  expect(brotliDecompressSync(brBytes).toString('utf8')).toBe(plain);
  expect(Buffer.from(await (await get({ 'accept-encoding': 'br' })).arrayBuffer()).equals(brBytes)).toBe(true);
  const gz = await get({ 'accept-encoding': 'gzip' });
  expect(gz.headers.get(PRE_ENCODED_HEADER)).toBe('gzip');
  expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(plain);

  const etag = gz.headers.get('etag')!;
  const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': etag });
  expect(again.status).toBe(304);
  expect(await again.text()).toBe('');
  expect((await get({ 'accept-encoding': 'br', 'if-none-match': etag })).status).toBe(200);
});

it('404 for an unknown saga, 400 for a malformed id', async () => {
  expect((await timelineRoute.GET(new Request('http://127.0.0.1/api/sagas/nope/timeline'), { params: Promise.resolve({ id: 'no-such-saga' }) })).status).toBe(404);
  expect((await timelineRoute.GET(new Request('http://127.0.0.1/api/sagas/x/timeline'), { params: Promise.resolve({ id: 'x'.repeat(5000) }) })).status).toBe(400);
});
