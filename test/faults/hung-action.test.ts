/**
 * A participant's compensate endpoint hangs during a manual compensation. The
 * participant is a real HTTP server on 127.0.0.1: the first request it gets, it
 * does the work and then never answers; afterwards it deduplicates by
 * Idempotency-Key (a key it has seen is answered without doing the work again),
 * as participants are asked to.
 *
 * Through the real route handlers, in this process (the UI's request handling is
 * the same code; a production build of `npm start` does not fit the time budget
 * of this suite): the action returns within the timeout plus a margin with a
 * failure (502), the audit trail holds the intent and a failed outcome naming
 * the timeout, GET /api/health and GET /api/sagas answer in under a second each
 * while the call hangs, and the retry afterwards carries the same
 * Idempotency-Key, so the participant compensated exactly once.
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import type { Db } from '../../lib/db/connection';
import { setSharedDb } from '../../lib/db/connection';
import { startCollector, type RunningCollector } from '../../collector/start-collector';
import { auditForSaga } from '../../lib/audit/store';
import { createToken } from '../../lib/auth/accounts';
import { shutdownSelfTelemetry } from '../../lib/telemetry/self';
import type { CallResult } from '../../lib/actions/execute';
import { apiRequest } from '../support/api-client';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import * as actionsRoute from '../../app/api/sagas/[id]/actions/route';
import { previewThenAct } from '../support/actions';
import * as sagasRoute from '../../app/api/sagas/route';
import * as healthRoute from '../../app/api/health/route';
import { createFaultDb, report, sleep, type FaultDb } from './support';

const TIMEOUT_MS = 1_500;
const SYSTEM = { actor: 'faults', role: 'system', via: 'system' };

interface Participant {
  url: string;
  /** Every request: path, Idempotency-Key, x-saga-attempt. */
  received: { path: string; key: string; attempt: string }[];
  /** Work done, per path (a compensation performed). */
  performed: Map<string, number>;
  close(): Promise<void>;
}

async function startHangingParticipant(): Promise<Participant> {
  const seen = new Set<string>();
  const p: Participant = { url: '', received: [], performed: new Map(), close: async () => undefined };
  let hungOnce = false;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const key = String(req.headers['idempotency-key'] ?? '');
      p.received.push({ path, key, attempt: String(req.headers['x-saga-attempt'] ?? '') });
      if (key && seen.has(key)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"replayed":true}');
        return;
      }
      seen.add(key);
      p.performed.set(path, (p.performed.get(path) ?? 0) + 1);
      if (!hungOnce) {
        hungOnce = true;
        return; // did the work, never answers
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return p;
}

let fdb: FaultDb;
let db: Db;
let collector: RunningCollector;
let participant: Participant;
let operator: string;

beforeAll(async () => {
  fdb = await createFaultDb();
  const config = parseConfig({
    SAGASCOPE_DATA_DIR: 'memory://',
    SAGASCOPE_HOST: '127.0.0.1',
    COLLECTOR_GRPC_PORT: '0',
    COLLECTOR_HTTP_PORT: '0',
    DATABASE_URL: fdb.url,
  });
  db = await openMigratedDb(config);
  collector = await startCollector(db, config);
  setSharedDb(db);
  // Read at the first request (lib/config/env.ts caches the configuration).
  process.env.SAGASCOPE_ACTION_ALLOWED_HOSTS = '127.0.0.1';
  process.env.SAGASCOPE_ACTION_TIMEOUT_MS = String(TIMEOUT_MS);
  process.env.SAGASCOPE_SELF_OTLP_ENDPOINT = `http://127.0.0.1:${collector.grpcPort}`;
  participant = await startHangingParticipant();
  operator = (await createToken(db, SYSTEM, { name: 'faults operator', role: 'operator' })).token;
});

afterAll(async () => {
  await shutdownSelfTelemetry();
  await participant?.close();
  await collector?.close();
  await db?.close();
  await fdb?.drop();
});

interface ActionBody {
  ok?: boolean;
  error?: string;
  results?: CallResult[];
}

async function compensate(id: string, reason: string): Promise<{ status: number; body: ActionBody; ms: number }> {
  const started = performance.now();
  const res = await previewThenAct(
    (body) => actionsRoute.POST(apiRequest('POST', `/api/sagas/${encodeURIComponent(id)}/actions`, { bearer: operator, body }), { params: Promise.resolve({ id }) }),
    { action: 'compensate', reason },
  );
  const body = (await res.json()) as ActionBody;
  return { status: res.status, body, ms: performance.now() - started };
}

it(
  'hung compensate endpoint: times out, audited, other requests served meanwhile, the retry reuses the key and the work happens once',
  async () => {
    const id = `fault-hung-${Date.now().toString(36)}`;
    await sendSpans(`http://127.0.0.1:${collector.httpPort}`, failedSagaSpans({ id, participant: participant.url }));

    // The action, and while it hangs, the pages' API calls.
    const action = compensate(id, 'INC-42: release the stock');
    let actionDone = false;
    void action.then(() => (actionDone = true));
    const probes: { route: string; status: number; ms: number }[] = [];
    while (!actionDone && probes.length < 200) {
      for (const [route, call] of [
        ['health', () => healthRoute.GET()],
        ['sagas', () => sagasRoute.GET(apiRequest('GET', '/api/sagas?status=failed&limit=50', { bearer: operator }))],
      ] as const) {
        const t = performance.now();
        const res = await call();
        await res.arrayBuffer();
        probes.push({ route, status: res.status, ms: performance.now() - t });
      }
      await sleep(50);
    }
    const first = await action;

    const trail = await auditForSaga(db, id);
    expect(first.status).toBe(502);
    expect(first.body.ok).toBe(false);
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(first.ms).toBeLessThan(TIMEOUT_MS + 3_000);
    expect(first.body.results!.map((r) => [r.step, r.outcome, r.refusal?.reason ?? null])).toEqual([
      ['reserve-inventory', 'failed', 'timeout'],
      ['create-order', 'not_called', null],
    ]);
    expect(first.body.error).toMatch(/no answer within 1500 ms/);
    expect(trail.map((e) => [e.action, e.step, e.outcome])).toEqual([
      ['saga.compensate', 'reserve-inventory', 'intent'],
      ['saga.compensate', 'reserve-inventory', 'failed'],
    ]);
    expect(trail[1]!.ref).toBe(trail[0]!.seq);
    expect(trail[1]!.result).toMatchObject({ refusal: { reason: 'timeout', message: `no answer within ${TIMEOUT_MS} ms` }, httpStatus: null });

    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.every((p) => p.status === 200)).toBe(true);
    const slowest = Math.max(...probes.map((p) => p.ms));
    expect(slowest).toBeLessThan(1_000);

    // Later, the retry: the same key for the unanswered call, so the participant replays instead of compensating again.
    const retry = await compensate(id, 'INC-42: retry after the timeout');
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    const inventory = participant.received.filter((r) => r.path === '/inventory/release');
    expect(inventory).toHaveLength(2);
    expect(inventory[1]!.key).toBe(inventory[0]!.key);
    expect(inventory.map((r) => r.attempt)).toEqual(['1', '2']);
    expect(participant.performed.get('/inventory/release')).toBe(1);
    expect(participant.performed.get('/order/cancel')).toBe(1);
    const after = await auditForSaga(db, id);
    expect(after.slice(2).map((e) => [e.step, e.outcome])).toEqual([
      ['reserve-inventory', 'intent'],
      ['reserve-inventory', 'ok'],
      ['create-order', 'intent'],
      ['create-order', 'ok'],
    ]);
    expect((after[2]!.request as { idempotencyKey: string }).idempotencyKey).toBe(inventory[0]!.key);

    report('hung-action', {
      timeoutMs: TIMEOUT_MS,
      actionMs: Math.round(first.ms),
      probes: probes.length,
      probeSlowestMs: Math.round(slowest),
      probeMedianMs: Math.round([...probes.map((p) => p.ms)].sort((a, b) => a - b)[Math.floor(probes.length / 2)]!),
      retryMs: Math.round(retry.ms),
      participantRequests: participant.received.length,
      compensationsPerformed: Object.fromEntries(participant.performed),
    });
  },
  60_000,
);
