/**
 * Every read route, driven with arbitrary strings on the real PostgreSQL (issue
 * 15 §6): ids and query values PostgreSQL cannot take (NUL, lone surrogates,
 * percent-escapes that are not UTF-8) are a 400 or a 404, never a 500.
 *
 * A request reaches a route the way it does behind server/start.ts: the path is
 * first checked by the server's edge (lib/http/request-path.ts, which answers an
 * undecodable path itself), then each dynamic segment is decoded as Next decodes
 * it (decodeURIComponent) and handed to the handler; the query string reaches
 * the handler raw, inside request.url. The pages /sagas/[id] and /traces/[id]
 * parse their id with the same schemas and then call the same data functions,
 * which are driven here too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { sagaIdSchema, traceIdSchema } from '../../lib/api/query';
import { getSagaDetail, getTrace } from '../../lib/db';
import { undecodablePath } from '../../lib/http/request-path';
import { apiRequest } from '../support/api-client';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import * as sagas from '../../app/api/sagas/route';
import * as saga from '../../app/api/sagas/[id]/route';
import * as timeline from '../../app/api/sagas/[id]/timeline/route';
import * as version from '../../app/api/sagas/[id]/version/route';
import * as traces from '../../app/api/traces/[traceId]/route';
import * as traceOtlp from '../../app/api/traces/[traceId]/otlp/route';
import * as traceSearch from '../../app/api/traces/[traceId]/search/route';
import * as stats from '../../app/api/stats/route';
import * as topology from '../../app/api/topology/route';
import * as audit from '../../app/api/audit/route';
import * as auditVerify from '../../app/api/audit/verify/route';
import * as exportRoute from '../../app/api/export/route';
import * as manifest from '../../app/api/export/manifest/route';
import * as deliveries from '../../app/api/admin/alerts/deliveries/route';
import * as alerts from '../../app/api/admin/alerts/route';
import * as users from '../../app/api/admin/users/route';
import * as tokens from '../../app/api/admin/tokens/route';
import * as settings from '../../app/api/admin/settings/route';
import * as me from '../../app/api/auth/me/route';
import * as health from '../../app/api/health/route';
import * as metrics from '../../app/metrics/route';

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;

/** Each read route: its path template (`:x` = a dynamic segment) and handler. */
const ROUTES: [string, Handler][] = [
  ['/api/sagas', sagas.GET],
  ['/api/sagas/:id', saga.GET as Handler],
  ['/api/sagas/:id/timeline', timeline.GET as Handler],
  ['/api/sagas/:id/version', version.GET as Handler],
  ['/api/traces/:traceId', traces.GET as Handler],
  ['/api/traces/:traceId/otlp', traceOtlp.GET as Handler],
  ['/api/traces/:traceId/search', traceSearch.GET as Handler],
  ['/api/stats', stats.GET],
  ['/api/topology', topology.GET],
  ['/api/audit', audit.GET],
  ['/api/audit/verify', auditVerify.GET],
  ['/api/export', exportRoute.GET],
  ['/api/export/manifest', manifest.GET],
  ['/api/admin/alerts/deliveries', deliveries.GET],
  ['/api/admin/alerts', alerts.GET],
  ['/api/admin/users', users.GET],
  ['/api/admin/tokens', tokens.GET],
  ['/api/admin/settings', settings.GET],
  ['/api/auth/me', me.GET],
  ['/api/health', health.GET as Handler],
  ['/metrics', metrics.GET as Handler],
];

/** Every query parameter some read route knows, so that values reach the parsers and the database. */
const KNOWN_KEYS = [
  'status', 'name', 'service', 'q', 'from', 'to', 'anomaly', 'limit', 'cursor', 'range', 'bucket', 'step', 'op', 'sagaName', 'sagaId',
  'kind', 'format', 'saga', 'traceId', 'actor', 'action', 'outcome', 'id', 'download', 'rule', 'state', 'spanId',
];
const HOSTILE = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\udbff\udfff', '\uffff', '%', '%00', '%ED%A0%80', '%FF', "'; --", '\u202e', ' ', 'sagas', '9'.repeat(400)];

const SAGA_ID = `prop-saga-${Date.now().toString(36)}`;
let env: TestEnv;
let admin: string;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  admin = (await createToken(env.db, { actor: 'test', role: 'system', via: 'system' }, { name: 'prop admin', role: 'admin' })).token;
  await sendSpans(env.httpUrl, failedSagaSpans({ id: SAGA_ID, participant: 'http://127.0.0.1:9' }));
});

afterAll(async () => {
  await env?.close();
});

/** Any string: arbitrary UTF-16 code units (lone surrogates too), printable text, or a known hostile value. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...HOSTILE),
  fc.constant(SAGA_ID),
);
/** Raw bytes percent-encoded, as a client can put them in a URL whether or not they are UTF-8. */
const escapedBytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 9 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

/** A path segment as it appears on the wire: encoded text, raw escapes, or text with stray `%`. */
const segment = fc.oneof(anyText.map((s) => encodeURIComponent(s.toWellFormed())), escapedBytes, anyText.map((s) => s.toWellFormed().replace(/[/?#]/g, '').replace(/[^\x21-\x7e]/g, '')));
/** A query string on the wire: `key=value` pairs, each part either encoded text or raw escapes. */
const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KNOWN_KEYS), anyText.map((s) => encodeURIComponent(s.toWellFormed()))), fc.oneof(anyText.map((s) => encodeURIComponent(s.toWellFormed())), escapedBytes)), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

const statuses = new Map<number, number>();

/** Sends one request down the path a real one takes; returns its status. */
async function drive(template: string, handler: Handler, segments: string[], query: string): Promise<number> {
  const names: string[] = [];
  let i = 0;
  const path = template.replace(/:(\w+)/g, (_m, name: string) => {
    names.push(name);
    return segments[i++] ?? 'x';
  });
  const target = query ? `${path}?${query}` : path;
  if (undecodablePath(target) !== null) return 400; // answered by server/start.ts itself
  const params: Record<string, string> = {};
  names.forEach((name, j) => (params[name] = decodeURIComponent(segments[j] ?? 'x')));
  const res = await handler(apiRequest('GET', target, { bearer: admin }), { params: Promise.resolve(params) });
  await res.arrayBuffer(); // an export streams: read it to the end
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  return res.status;
}

describe('no read route answers 500 to any string', () => {
  it('the fixture saga is there (so ids can also hit a stored row)', async () => {
    expect(await drive('/api/sagas/:id', saga.GET as Handler, [encodeURIComponent(SAGA_ID)], '')).toBe(200);
  });

  for (const [template, handler] of ROUTES) {
    it(`${template}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 2 }), queryString, async (segments, query) => {
          const status = await drive(template, handler, segments, query);
          expect(status, `${template} ${segments.join('/')} ?${query}`).toBeLessThan(500);
        }),
        { numRuns: template.includes(':') ? 120 : 40 },
      );
    });
  }

  it('the reported cases', async () => {
    const cases: [string, Handler, string][] = [
      ['/api/sagas/:id', saga.GET as Handler, '%00'],
      ['/api/sagas/:id', saga.GET as Handler, '%ED%A0%80'],
      ['/api/traces/:traceId', traces.GET as Handler, '%ED%A0%80'],
      ['/api/sagas/:id/timeline', timeline.GET as Handler, '%ED%A0%80'],
      ['/api/sagas/:id/timeline', timeline.GET as Handler, '%00'],
      ['/api/sagas/:id/version', version.GET as Handler, '%ED%A0%80'],
      ['/api/sagas/:id/version', version.GET as Handler, '%00'],
    ];
    for (const [template, handler, seg] of cases) expect([template, seg, await drive(template, handler, [seg], '')]).toEqual([template, seg, 400]);
  });

  it('ids the handlers are given directly (not through a URL) are 400 or 404 too', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (id) => {
        for (const [handler, key] of [[saga.GET, 'id'], [timeline.GET, 'id'], [version.GET, 'id'], [traces.GET, 'traceId']] as const) {
          const res = await (handler as Handler)(apiRequest('GET', '/api/x', { bearer: admin }), { params: Promise.resolve({ [key]: id }) });
          await res.arrayBuffer();
          expect([200, 400, 404], JSON.stringify(id)).toContain(res.status);
          if (res.status === 200) expect(id).toBe(SAGA_ID);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the pages’ ids: whatever their schema lets through, the data layer answers without an error', async () => {
    const db = env.db;
    await fc.assert(
      fc.asyncProperty(anyText, async (id) => {
        if (sagaIdSchema.safeParse(id).success) await getSagaDetail(id);
        const trace = traceIdSchema.safeParse(id);
        if (trace.success) await getTrace(db, trace.data);
      }),
      { numRuns: 200 },
    );
  });

  afterAll(() => {
    // Some requests must have reached the handlers and been accepted: the property is not vacuous.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
  });
});
