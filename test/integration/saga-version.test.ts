/**
 * GET /api/sagas/{id}/version (what a running saga's page polls) on real
 * PostgreSQL: an ETag that holds while nothing arrives (If-None-Match → 304,
 * no body) and changes when spans of the saga are stored or an operator's
 * action is audited; the page's content (GET /api/sagas/{id}) has changed with it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { hex, makeSpan, resourceFor, sendSpans } from '../support/spans';
import { appendAudit } from '../../lib/audit/store';
import type { SagaDetail } from '../../lib/api/types';
import type { FlatSpan } from '../../lib/otlp/types';
import * as sagaRoute from '../../app/api/sagas/[id]/route';
import * as versionRoute from '../../app/api/sagas/[id]/version/route';

// Characters a path must carry encoded: the route takes the decoded id.
const ID = `live it #1 ${hex(4)}`;
const traceId = hex(16);
const t0 = Date.now() - 10_000;
let env: TestEnv;

function step(name: string, index: number, offsetMs: number): FlatSpan {
  return makeSpan({
    traceId, name: `POST ${name}`, kind: 2, startMs: t0 + offsetMs, endMs: t0 + offsetMs + 10, service: 'inventory', resource: resourceFor('inventory'),
    attributes: { 'saga.id': ID, 'saga.name': 'checkout', 'saga.protocol': 'saga', 'saga.role': 'participant', 'saga.step': name, 'saga.step.index': index, 'saga.op': 'action', 'saga.attempt': 1 },
  });
}

const send = (spans: FlatSpan[]) => sendSpans(env.httpUrl, spans);

const params = (id = ID) => ({ params: Promise.resolve({ id }) });
const version = (headers: Record<string, string> = {}, id = ID) =>
  versionRoute.GET(new Request(`http://127.0.0.1/api/sagas/${encodeURIComponent(id)}/version`, { headers }), params(id));
const detail = async () => (await (await sagaRoute.GET(new Request(`http://127.0.0.1/api/sagas/${encodeURIComponent(ID)}`), params())).json()) as SagaDetail;

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_AUTH: 'off' });
  setSharedDb(env.db);
});
afterAll(async () => {
  await env?.close();
});

it('304 while nothing changes; 200 with a new version and new content after spans arrive, and after an audited action', async () => {
  await send([step('reserve', 1, 0)]);
  const first = await version();
  expect(first.status).toBe(200);
  expect(first.headers.get('cache-control')).toBe('no-cache');
  const a = (await first.json()) as { version: string; status: string; terminal: boolean };
  expect(first.headers.get('etag')).toBe(`"${a.version}"`);
  expect(a.terminal).toBe(false);
  expect((await detail()).steps.map((s) => s.step)).toEqual(['reserve']);

  // Unchanged: 304 with the same tag and no body, however often it is asked.
  for (let i = 0; i < 3; i++) {
    const again = await version({ 'if-none-match': `"${a.version}"` });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(`"${a.version}"`);
    expect(await again.text()).toBe('');
  }
  // Another tag (the page's, from before a change) is answered in full.
  expect((await version({ 'if-none-match': '"stale"' })).status).toBe(200);

  await send([step('charge', 2, 50)]);
  const second = await version({ 'if-none-match': `"${a.version}"` });
  expect(second.status).toBe(200);
  const b = (await second.json()) as { version: string };
  expect(b.version).not.toBe(a.version);
  expect((await detail()).steps.map((s) => s.step)).toEqual(['reserve', 'charge']);
  expect((await version({ 'if-none-match': `"${b.version}"` })).status).toBe(304);

  // A manual action shows in the page's audit trail: a new version without a span.
  await appendAudit(env.db, { actor: 'it', role: 'operator', via: 'token', action: 'saga.retry', sagaId: ID, step: 'charge', outcome: 'intent' });
  const third = await version({ 'if-none-match': `"${b.version}"` });
  expect(third.status).toBe(200);
  expect(((await third.json()) as { version: string }).version).not.toBe(b.version);
});

it('a span of another saga leaves the version alone', async () => {
  const { version: v } = (await (await version()).json()) as { version: string };
  const other = makeSpan({ attributes: { 'saga.id': `other-${hex(4)}`, 'saga.step': 'x', 'saga.op': 'action' } });
  await send([other]);
  expect((await version({ 'if-none-match': `"${v}"` })).status).toBe(304);
});

it('404 for a saga that does not exist, 400 for an id PostgreSQL cannot take', async () => {
  expect((await version({}, 'no-such-saga-live')).status).toBe(404);
  expect((await version({}, 'a\u0000b')).status).toBe(400);
});
