/**
 * Hostile query strings on the saga list (issue 6, "Hostile input"): SQL-significant
 * characters, NUL, 10 kB values, invalid or out-of-range dates, bad limits and
 * cursors, unknown parameters. Each one is either a clean 400 `{ error }` from the
 * route handler (parseSagaListQuery) or a correct, empty result from the real
 * PostgreSQL — never a 500, an exception or a SQL error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { listSagas } from '../../lib/db/read';
import { parseSagaListQuery, encodeCursor } from '../../lib/api/query';
import { apiRequest } from '../support/api-client';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import * as sagasRoute from '../../app/api/sagas/route';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
const SAGA_ID = 'hostile-saga-1';
const BIG = 'x'.repeat(10_240);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

let env: TestEnv;
let viewer: string;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  viewer = (await createToken(env.db, SYSTEM, { name: 'viewer', role: 'viewer' })).token;
  const traceId = hex(16);
  const t0 = Date.now() - 60_000;
  const spans = ['create-order', 'charge-payment'].map((step, i) =>
    makeSpan({
      traceId,
      service: 'orders',
      name: `POST /${step}`,
      startMs: t0 + i * 10,
      endMs: t0 + i * 10 + 5,
      attributes: { 'saga.id': SAGA_ID, 'saga.name': 'checkout', 'saga.step': step, 'saga.step.index': i, 'saga.op': 'action' },
    }),
  );
  const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await env?.close();
});

async function get(params: Record<string, string>): Promise<{ status: number; body: { error?: string; items?: { id: string }[] } }> {
  const qs = new URLSearchParams(params).toString();
  const res = await sagasRoute.GET(apiRequest('GET', `/api/sagas?${qs}`, { bearer: viewer }));
  return { status: res.status, body: await res.json() };
}

it('the fixture saga is listed (so empty results below mean "no match", not "nothing stored")', async () => {
  const r = await get({});
  expect(r.status).toBe(200);
  expect(r.body.items!.map((s) => s.id)).toContain(SAGA_ID);
});

it('ignores unknown parameters, hostile ones included (a pasted link keeps working): 200 and the same list', async () => {
  const plain = await get({});
  const unknown: Record<string, string>[] = [{ orderBy: 'id; DROP TABLE saga' }, { __proto__x: '1', constructor: 'x' }, { utm_source: 'slack' }];
  for (const params of unknown) {
    const r = await get(params);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items).toEqual(plain.body.items);
  }
});

describe('SQL-significant characters are plain values: 200 and no match', () => {
  const values = ["' OR 1=1 --", "'; DROP TABLE saga; --", '%', '_', '%_%', '\\', '\\\\%', '"', '$1', ') OR (1=1', `${SAGA_ID}%`, 'checkou_'];
  for (const field of ['q', 'name', 'service'] as const) {
    for (const v of values) {
      it(`${field}=${JSON.stringify(v)}`, async () => {
        const parsed = parseSagaListQuery({ [field]: v });
        expect(parsed.ok).toBe(true);
        if (parsed.ok) await expect(listSagas(env.db, parsed.value)).resolves.toEqual({ items: [], nextCursor: null, prevCursor: null });
        const r = await get({ [field]: v });
        expect(r.status).toBe(200);
        expect(r.body.items).toEqual([]);
      });
    }
  }
});

describe('clean 400 with a message', () => {
  const cases: [string, Record<string, string>][] = [
    ['NUL in q', { q: `${SAGA_ID}\u0000` }],
    ['NUL in name', { name: 'check\u0000out' }],
    ['NUL in service', { service: '\u0000' }],
    ['10 kB q', { q: BIG }],
    ['10 kB name', { name: BIG }],
    ['10 kB service', { service: BIG }],
    ['10 kB cursor', { cursor: BIG }],
    ['10 kB status', { status: BIG }],
    ['10 kB from', { from: BIG }],
    ['invalid date', { from: 'not-a-date' }],
    ['impossible date', { from: '2024-13-45T00:00:00Z' }],
    ['date past JS range', { to: '+275760-09-13T00:00:00.001Z' }],
    ['year beyond PostgreSQL', { from: '-100000-01-01T00:00:00Z' }],
    ['year 10000+', { to: '+012345-01-01T00:00:00Z' }],
    ['from after to', { from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }],
    ['SQL in a date', { from: "2025-01-01' OR 1=1 --" }],
    ['negative limit', { limit: '-1' }],
    ['zero limit', { limit: '0' }],
    ['huge limit', { limit: '99999999999999999999' }],
    ['infinite limit', { limit: '1e400' }],
    ['fractional limit', { limit: '10.5' }],
    ['text limit', { limit: "10; DROP TABLE saga" }],
    ['garbage cursor', { cursor: 'not-a-cursor' }],
    ['cursor of another shape', { cursor: b64({ a: 1 }) }],
    ['cursor with a huge time', { cursor: b64([1e20, SAGA_ID]) }],
    ['cursor before PostgreSQL time', { cursor: b64([-1e15, SAGA_ID]) }],
    ['cursor with a fractional time', { cursor: b64([0.5, SAGA_ID]) }],
    ['cursor with NUL in the id', { cursor: encodeCursor({ startedAtMs: Date.now(), id: 'a\u0000b' }) }],
    ['unknown status', { status: "committed' OR 1=1 --" }],
    ['unknown anomaly', { anomaly: '%' }],
  ];
  for (const [label, params] of cases) {
    it(label, async () => {
      const r = await get(params);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      const parsed = parseSagaListQuery(params);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(false);
      expect(typeof r.body.error).toBe('string');
      expect(r.body.error).not.toMatch(/prisma|postgres|sql|invalid byte/i);
    });
  }
});

it('edge values that are valid give the right answer', async () => {
  const cases: Record<string, string>[] = [
    { limit: '1' },
    { limit: '500' },
    { from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' },
    { cursor: encodeCursor({ startedAtMs: 0, id: '' }) },
    { cursor: encodeCursor({ startedAtMs: Date.now() + 3600_000, id: "' OR 1=1 --" }) },
  ];
  for (const params of cases) {
    const r = await get(params);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const expected = 'cursor' in params && params.cursor === encodeCursor({ startedAtMs: 0, id: '' }) ? [] : [SAGA_ID];
    expect(r.body.items!.map((s) => s.id)).toEqual(expected);
  }
});
