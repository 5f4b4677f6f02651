/**
 * The DTM connector end to end (issue #16 §3–4) on real PostgreSQL: the demo's
 * DTM test double (demo/dtm: DTM's tables and HTTP API) runs transactions
 * against a real HTTP participant; the participant's calls become zero-code
 * server spans exactly as stock instrumentation records them (DTM's query
 * parameters, 409 leaving the status unset) and go to the collector over
 * OTLP/HTTP; the connector reads DTM's store over its HTTP API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { trace } from '@opentelemetry/api';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { toOtlpJson } from '../support/spans';
import { startBranchServer, type BranchServer, type BranchCall } from '../support/branch-server';
import { startDtmDouble } from '../../demo/dtm/start';
import { getSagaDetail } from '../../lib/db/read';
import { sagaDetailJson } from '../../lib/saga-view/detail-json';
import { modelConfigFrom } from '../../lib/config/model';
import { DtmClient } from '../../lib/dtm/client';
import { DtmConnector } from '../../lib/dtm/connector';
import { SETTLE_MS } from '../../lib/saga/coordinator';
import { actOnSaga, type ActionEnv } from '../../lib/actions/run';
import { actionPolicyFrom } from '../../lib/actions/policy';
import type { FlatSpan } from '../../lib/otlp/types';

const tag = randomBytes(3).toString('hex');
let env: TestEnv;
let dtm: Awaited<ReturnType<typeof startDtmDouble>>;
let busi: BranchServer;
let dtmDb: pg.Client;
let seq = 0;
const gidOf = (what: string) => `${what}-${tag}-${++seq}`;
const u = (path: string) => `${busi.url}${path}`;

/** A connector whose clock runs `aheadMs` ahead: DTM's recent outcomes are then past the settle time. */
function connector(servers: string[] = [dtm.url], aheadMs = 0, timeoutMs = 1_500): DtmConnector {
  return new DtmConnector({
    client: new DtmClient({ servers, timeoutMs, maxResponseBytes: 1 << 20 }),
    cacheMs: 0, pollMs: 60_000, now: () => Date.now() + aheadMs,
  });
}

async function dtmApi(path: string, body: unknown): Promise<unknown> {
  const r = await fetch(`${dtm.url}/api/dtmsvr/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

/** Answers of each path in the order the participant gave them (its script, then 200). */
const answered = new Map<BranchCall, number>();

/** The participant's stock otelhttp server span of a call (current semantic conventions, like dtm-fixtures.ts). */
function spanOf(call: BranchCall, i: number): FlatSpan {
  const status = answered.get(call) ?? 200;
  const query = new URLSearchParams(call.query).toString();
  return {
    traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), parentSpanId: null,
    name: `${call.method} ${call.path}`, kind: 2, startMs: call.at - 3, endMs: call.at + i % 3,
    statusCode: status >= 500 ? 2 : 0, statusMessage: null,
    attributes: {
      'http.request.method': call.method, 'url.scheme': 'http', 'url.path': call.path, 'url.query': query, 'http.route': call.path,
      'http.response.status_code': status, 'server.address': 'busi', 'server.port': 8081,
    },
    resource: { 'service.name': 'busi' }, scope: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', events: null,
  };
}

/** Calls whose spans were sent (each span once, as a participant sends it). */
const sent = new Set<BranchCall>();
async function sendSpans(all: BranchCall[]): Promise<void> {
  const calls = all.filter((c) => !sent.has(c));
  for (const c of calls) sent.add(c);
  if (calls.length === 0) return;
  const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(calls.map(spanOf)) });
  expect(res.status).toBe(200);
}

/** Scripts a path's answers and remembers which call got which. */
function script(path: string, statuses: number[]): void {
  busi.script(path, statuses.map((status) => ({ status, body: status === 409 ? '{"dtm_result":"FAILURE"}' : status === 200 ? '{"dtm_result":"SUCCESS"}' : '{"error":"boom"}' })));
  const left = [...statuses];
  const prev = busi.onCall;
  busi.onCall = async (call) => {
    if (call.path === path && left.length > 0) answered.set(call, left.shift()!);
    await prev?.(call);
  };
}

const callsOf = (gid: string) => busi.calls.filter((c) => c.query.gid === gid);
async function detail(gid: string, c: DtmConnector | null, aheadMs = 0) {
  const cfg = modelConfigFrom(env.config, Date.now() + aheadMs);
  const read = (await getSagaDetail(env.db, gid, cfg, env.config.SAGASCOPE_MAX_SAGA_SPANS, c ? await c.lookup(gid) : null))!;
  // What GET /api/sagas/{id} answers.
  return sagaDetailJson(read.view, read.audit);
}
async function dtmStatus(gid: string): Promise<string> {
  return (await dtmDb.query(`SELECT status FROM dtm.trans_global WHERE gid = $1`, [gid])).rows[0]?.status;
}

beforeAll(async () => {
  env = await startTestEnv();
  busi = await startBranchServer();
  dtm = await startDtmDouble({ databaseUrl: env.databaseUrl, timings: { retryIntervalS: 1, timeoutToFailS: 35, requestTimeoutS: 3 }, cronPollMs: 100 });
  dtmDb = new pg.Client({ connectionString: env.databaseUrl });
  await dtmDb.connect();
});

afterAll(async () => {
  await dtmDb?.end();
  await dtm?.close();
  await busi?.close();
  await env?.close();
});

describe('the DTM connector against a DTM-compatible coordinator on PostgreSQL', () => {
  it("the coordinator view matches DTM's tables", async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const gid = gidOf('match');
    script('/m/TransIn', [409]);
    await dtmApi('submit', {
      gid, trans_type: 'saga',
      steps: [{ action: u('/m/TransOut'), compensate: u('/m/TransOutRevert') }, { action: u('/m/TransIn'), compensate: u('/m/TransInRevert') }],
      payloads: ['{"amount":30}', '{"amount":30}'],
    });
    await eventually(async () => expect(await dtmStatus(gid)).toBe('failed'), 15_000);
    await sendSpans(callsOf(gid));
    const d = await eventually(async () => {
      const got = await detail(gid, connector());
      expect(got.saga.status).toBe('compensated');
      return got;
    });
    const rows = (await dtmDb.query(`SELECT branch_id, op, status FROM dtm.trans_branch_op WHERE gid = $1 ORDER BY branch_id, op`, [gid])).rows;
    const g = (await dtmDb.query(`SELECT status, trans_type, rollback_reason FROM dtm.trans_global WHERE gid = $1`, [gid])).rows[0];
    expect(d.coordinator).toMatchObject({ kind: 'dtm', server: dtm.url, status: g.status, transType: g.trans_type, error: null, divergences: [] });
    expect(d.coordinator!.rollbackReason).toBe(g.rollback_reason || null);
    expect(d.coordinator!.branches.map((b) => [b.branchId, b.op, b.status])).toEqual(rows.map((r) => [r.branch_id, r.op, r.status]));
    expect(d.saga.anomalies).toEqual([]);
  });

  it('a branch whose span is dropped → coordinator_divergence', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const gid = gidOf('dropped');
    await dtmApi('submit', {
      gid, trans_type: 'saga',
      steps: [{ action: u('/d/TransOut'), compensate: u('/d/TransOutRevert') }, { action: u('/d/TransIn'), compensate: u('/d/TransInRevert') }],
      payloads: ['{}', '{}'],
    });
    await eventually(async () => expect(await dtmStatus(gid)).toBe('succeed'), 15_000);
    // Branch 02's span never reaches sagascope.
    await sendSpans(callsOf(gid).filter((c) => c.query.branch_id !== '02'));
    const d = await eventually(async () => {
      const got = await detail(gid, connector([dtm.url], SETTLE_MS + 1_000), SETTLE_MS + 1_000);
      expect(got.coordinator?.divergences.length).toBe(1);
      return got;
    });
    expect(d.saga.status).toBe('committed');
    expect(d.coordinator!.divergences[0]).toMatchObject({ branchId: '02', op: 'action', message: expect.stringMatching(/DTM marked the action of branch 02 succeeded .* no span of that call arrived/) });
    expect(d.anomalies.map((a) => a.kind)).toContain('coordinator_divergence');
    expect(d.saga.anomalies).toContain('coordinator_divergence');
  });

  it('a compensation failing while DTM retries → compensating with the next retry; compensated after the retry succeeds; retry_now makes DTM call again', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const gid = gidOf('retry');
    script('/r/TransIn', [409]);
    // Errors DTM retries (its interval alternating 2 s, 1 s here: dtmsvr/trans_status.go execBranch), then success.
    script('/r/TransOutRevert', [500, 500, 500, 500, 500]);
    await dtmApi('submit', {
      gid, trans_type: 'saga',
      steps: [{ action: u('/r/TransOut'), compensate: u('/r/TransOutRevert') }, { action: u('/r/TransIn'), compensate: u('/r/TransInRevert') }],
      payloads: ['{}', '{}'],
    });
    await eventually(async () => expect(busi.callsTo('/r/TransOutRevert', gid).length).toBeGreaterThanOrEqual(3), 20_000);
    await sendSpans(callsOf(gid));
    const c = connector();
    const d = await eventually(async () => {
      const got = await detail(gid, c);
      expect(got.saga.status).toBe('compensating');
      return got;
    });
    expect(d.coordinator).toMatchObject({ status: 'aborting', error: null });
    expect(d.coordinator!.nextRetryAt).not.toBeNull();
    // trans_global.next_cron_interval as DTM stores it (1 s or 2 s here), and no attempt count: DTM keeps none.
    const interval = Number((await dtmDb.query(`SELECT next_cron_interval FROM dtm.trans_global WHERE gid = $1`, [gid])).rows[0].next_cron_interval);
    expect([1, 2]).toContain(interval);
    expect([1, 2]).toContain(d.coordinator!.retryIntervalS);
    expect(d.coordinator).not.toHaveProperty('retryCount');
    // The calls sagascope saw as spans, per branch op: every failed compensation call sent so far.
    const sentComp = [...sent].filter((c) => c.query.gid === gid && c.path === '/r/TransOutRevert').length;
    await eventually(async () => {
      const comp01 = (await detail(gid, c)).coordinator!.branches.find((b) => b.branchId === '01' && b.op === 'compensate')!;
      expect(comp01).toMatchObject({ callsSeen: sentComp, failedCallsSeen: sentComp });
    });
    expect(d.coordinator!.branches.find((b) => b.branchId === '01' && b.op === 'compensate')!.status).toBe('prepared');
    // Branch-level compensate is refused for a saga DTM drives, pointing at DTM's controls.
    expect(d.compensateSaga.refusal).toMatch(/Retry now/);

    // coordinator.retry_now through the preview / planId / audit path: DTM calls the branch again now, not after its interval.
    const actionEnv: ActionEnv = {
      db: env.db, policy: actionPolicyFrom(env.config), modelConfig: () => modelConfigFrom(env.config, Date.now()),
      maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS, tracer: () => trace.getTracer('test'), flushSpans: async () => true, dtm: c,
    };
    const actor = { actor: 'op', role: 'operator', via: 'token' } as const;
    const before = busi.callsTo('/r/TransOutRevert', gid).length;
    const preview = await actOnSaga(actionEnv, gid, { action: 'coordinator.retry_now', reason: '', dryRun: true }, actor);
    expect(preview.kind).toBe('preview');
    if (preview.kind !== 'preview') return;
    expect(preview.plan).toMatchObject({ refusal: null, calls: [], coordinatorCall: { server: dtm.url, endpoint: 'resetNextCronTime', body: { gid } } });
    // Branch-level: refused with the sentence pointing at the coordinator's controls.
    const branch = await actOnSaga(actionEnv, gid, { action: 'compensate', step: '/r/TransOut', reason: '', dryRun: true }, actor);
    expect(branch.kind === 'preview' && branch.plan.rule).toBe('coordinator_controls');
    // DTM may move on between a preview and its run (a retry lands): the planId binds DTM's state too, so that run is
    // stale and nothing is called; preview again, as the dialog offers.
    let plan = preview.plan;
    let run = await actOnSaga(actionEnv, gid, { action: 'coordinator.retry_now', reason: 'participant is back', dryRun: false, planId: plan.planId }, actor);
    let pressedAt = Date.now();
    for (let i = 0; i < 3 && run.kind === 'stale'; i++) {
      expect(run.message).toMatch(/Preview again/);
      plan = run.plan;
      pressedAt = Date.now();
      run = await actOnSaga(actionEnv, gid, { action: 'coordinator.retry_now', reason: 'participant is back', dryRun: false, planId: plan.planId }, actor);
    }
    expect(run.kind).toBe('executed');
    if (run.kind !== 'executed') return;
    expect(run.ok).toBe(true);
    expect(run.audit.map((a) => [a.action, a.outcome])).toEqual([['coordinator.retry_now', 'intent'], ['coordinator.retry_now', 'ok']]);
    expect((run.audit[0]!.request as { call: string }).call).toBe(`POST ${dtm.url}/api/dtmsvr/resetNextCronTime`);
    await eventually(async () => expect(busi.calls.filter((x) => x.path === '/r/TransOutRevert' && x.query.gid === gid && x.at >= pressedAt).length).toBeGreaterThan(0), 3_000);
    expect(busi.callsTo('/r/TransOutRevert', gid).length).toBeGreaterThan(before);

    // DTM's retries eventually succeed: DTM marks the rollback done, the spans show it compensated.
    await eventually(async () => expect(await dtmStatus(gid)).toBe('failed'), 60_000);
    await sendSpans(callsOf(gid));
    const done = await eventually(async () => {
      const got = await detail(gid, c);
      expect(got.saga.status).toBe('compensated');
      return got;
    });
    expect(done.coordinator).toMatchObject({ status: 'failed', nextRetryAt: null });
  });

  it('DTM down → a clear message, the spans-only verdict, ingest unaffected', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    // A port nobody listens on, and a server that never answers.
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const hanging = http.createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const slowUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    const garbage = http.createServer((_q, res) => res.end('<html>not DTM</html>'));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', () => r()));
    const garbageUrl = `http://127.0.0.1:${(garbage.address() as { port: number }).port}`;
    try {
      const gid = gidOf('down');
      script('/x/TransIn', [409]);
      await dtmApi('submit', {
        gid, trans_type: 'saga',
        steps: [{ action: u('/x/TransOut'), compensate: u('/x/TransOutRevert') }, { action: u('/x/TransIn'), compensate: u('/x/TransInRevert') }],
        payloads: ['{}', '{}'],
      });
      await eventually(async () => expect(await dtmStatus(gid)).toBe('failed'), 15_000);
      await sendSpans(callsOf(gid));
      const spanOnly = await eventually(async () => {
        const got = await detail(gid, null);
        expect(got.saga.status).toBe('compensated');
        return got;
      });
      for (const [server, pattern] of [
        [`http://127.0.0.1:${closed}`, /is unreachable/],
        [slowUrl, /did not answer within 300 ms/],
        [garbageUrl, /not JSON/],
      ] as const) {
        const c = connector([server], 0, 300);
        const started = Date.now();
        const d = await detail(gid, c);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(d.coordinator).toMatchObject({ kind: 'dtm', server, status: null, branches: [] });
        expect(d.coordinator!.error).toMatch(pattern);
        expect(d.coordinator!.error).toMatch(/Showing the verdict from spans alone/);
        expect([d.saga.status, d.saga.anomalies]).toEqual([spanOnly.saga.status, spanOnly.saga.anomalies]);
        // Ingest does not wait for DTM: a new saga's spans are stored while DTM hangs.
        const other = gidOf('ingest');
        const t0 = Date.now();
        const spans = [spanOf({ method: 'POST', path: '/y/A', query: { gid: other, trans_type: 'saga', branch_id: '01', op: 'action' }, body: '{}', at: Date.now() }, 0)];
        const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
        expect(res.status).toBe(200);
        expect(Date.now() - t0).toBeLessThan(2_000);
        await eventually(async () => expect((await env.db.query(`SELECT count(*)::int AS n FROM spans WHERE saga_id = $1`, [other]))[0]!.n).toBe(1));
      }
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
      await new Promise((r) => garbage.close(r));
    }
  });

  it('the follower keeps the unfinished transactions per gid and their owner', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const gid = gidOf('follow');
    script('/f/TransIn', [409]);
    script('/f/TransOutRevert', [500, 500, 500, 500, 500, 500, 500]);
    await dtmApi('submit', {
      gid, trans_type: 'saga',
      steps: [{ action: u('/f/TransOut'), compensate: u('/f/TransOutRevert') }, { action: u('/f/TransIn'), compensate: u('/f/TransInRevert') }],
      payloads: ['{}', '{}'],
    });
    await eventually(async () => expect(await dtmStatus(gid)).toBe('aborting'), 15_000);
    const c = connector([`http://127.0.0.1:1`, dtm.url]);
    await c.pollOnce();
    expect(c.ownerOf(gid)).toBe(dtm.url);
    expect(c.followedTransaction(gid)?.status).toBe('aborting');
    expect(c.lastPoll.get(dtm.url)).toMatchObject({ ok: true });
    expect(c.lastPoll.get('http://127.0.0.1:1')).toMatchObject({ ok: false });
    await dtmApi('forceStop', { gid });
    await c.pollOnce();
    expect(c.followedTransaction(gid)?.status).toBe('failed');
  });
});
