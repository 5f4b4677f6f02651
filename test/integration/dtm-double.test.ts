/**
 * The demo's DTM test double (demo/dtm) on real PostgreSQL, calling real HTTP
 * participants: DTM's tables and words, its branch calls (query parameters,
 * POST with the stored body, GET for the check-back), its rollback order, its
 * retry pacing, the msg check-back, TCC confirm / cancel, XA commit, and the
 * operator controls resetNextCronTime and forceStop, answered in DTM's JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createScratchDatabase, eventually } from './harness';
import { startDtmDouble } from '../../demo/dtm/start';
import { startBranchServer, type BranchServer } from '../support/branch-server';

const tag = randomBytes(3).toString('hex');
let scratch: { url: string; drop(): Promise<void> } | null = null;
let dtm: Awaited<ReturnType<typeof startDtmDouble>>;
let busi: BranchServer;
let db: pg.Client;
let seq = 0;
const gidOf = (what: string) => `${what}-${tag}-${++seq}`;

async function api(path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${dtm.url}/api/dtmsvr/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text.startsWith('{') ? JSON.parse(text) : text };
}
const query = async (gid: string) => (await api(`query?gid=${encodeURIComponent(gid)}`)).json;
const statusOf = async (gid: string) => (await query(gid)).transaction?.status as string | undefined;
async function until(gid: string, status: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    const s = await statusOf(gid);
    if (s !== status) throw new Error(`${gid} is ${s}, waiting for ${status}`);
  }, timeoutMs);
}
const u = (path: string) => `${busi.url}${path}`;

beforeAll(async () => {
  scratch = await createScratchDatabase().catch(() => null);
  busi = await startBranchServer();
  dtm = await startDtmDouble({
    databaseUrl: scratch?.url,
    timings: { retryIntervalS: 1, timeoutToFailS: 35, requestTimeoutS: 3 },
    cronPollMs: 100,
  });
  if (scratch) {
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
  }
});

afterAll(async () => {
  await db?.end();
  await dtm?.close();
  await busi?.close();
  await scratch?.drop();
});

describe('DTM test double', () => {
  it('keeps its state in DTM’s tables, with DTM’s column names', async (ctx) => {
    if (!scratch) ctx.skip();
    const cols = async (t: string) =>
      (await db.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'dtm' AND table_name = $1 ORDER BY ordinal_position`, [t])).rows.map((r) => r.column_name);
    expect(await cols('trans_global')).toEqual([
      'id', 'gid', 'trans_type', 'status', 'query_prepared', 'protocol', 'create_time', 'update_time', 'finish_time', 'rollback_time',
      'options', 'custom_data', 'next_cron_interval', 'next_cron_time', 'owner', 'ext_data', 'rollback_reason',
    ]);
    expect(await cols('trans_branch_op')).toEqual([
      'id', 'gid', 'url', 'data', 'bin_data', 'branch_id', 'op', 'status', 'finish_time', 'rollback_time', 'create_time', 'update_time',
    ]);
  });

  it('runs a saga: every branch called with DTM’s query parameters and the stored body; succeed in the tables', async () => {
    const gid = gidOf('ok');
    const r = await api('submit', {
      gid, trans_type: 'saga',
      steps: [{ action: u('/ok/TransOut'), compensate: u('/ok/TransOutRevert') }, { action: u('/ok/TransIn'), compensate: u('/ok/TransInRevert') }],
      payloads: ['{"amount":30}', '{"amount":30}'],
    });
    expect(r).toEqual({ status: 200, json: { dtm_result: 'SUCCESS' } });
    await until(gid, 'succeed');
    const calls = busi.calls.filter((c) => c.query.gid === gid);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /ok/TransOut', 'POST /ok/TransIn']);
    expect(calls[0].query).toEqual({ gid, trans_type: 'saga', branch_id: '01', op: 'action' });
    expect(calls[1].body).toBe('{"amount":30}');
    if (scratch) {
      const g = (await db.query('SELECT status, finish_time, next_cron_interval FROM dtm.trans_global WHERE gid = $1', [gid])).rows[0];
      expect(g.status).toBe('succeed');
      expect(g.finish_time).toBeInstanceOf(Date);
      const b = (await db.query('SELECT branch_id, op, status FROM dtm.trans_branch_op WHERE gid = $1 ORDER BY id', [gid])).rows;
      expect(b).toEqual([
        { branch_id: '01', op: 'compensate', status: 'prepared' },
        { branch_id: '01', op: 'action', status: 'succeed' },
        { branch_id: '02', op: 'compensate', status: 'prepared' },
        { branch_id: '02', op: 'action', status: 'succeed' },
      ]);
    }
  });

  it('rolls a saga back in DTM’s order when a branch answers 409: the failed branch first, then backwards', async () => {
    const gid = gidOf('rollback');
    busi.script('/rb/C', [{ status: 409, body: '{"dtm_result":"FAILURE"}' }]);
    await api('submit', {
      gid, trans_type: 'saga',
      steps: ['A', 'B', 'C'].map((s) => ({ action: u(`/rb/${s}`), compensate: u(`/rb/${s}-revert`) })),
      payloads: ['{}', '{}', '{}'],
    });
    await until(gid, 'failed');
    expect(busi.calls.filter((c) => c.query.gid === gid).map((c) => `${c.path} ${c.query.branch_id} ${c.query.op}`)).toEqual([
      '/rb/A 01 action', '/rb/B 02 action', '/rb/C 03 action',
      '/rb/C-revert 03 compensate', '/rb/B-revert 02 compensate', '/rb/A-revert 01 compensate',
    ]);
    const q = await query(gid);
    expect(q.transaction.rollback_reason).toContain('/rb/C return failed');
    expect(q.branches.map((b: any) => `${b.branch_id}:${b.op}:${b.status}`)).toEqual([
      '01:compensate:succeed', '01:action:succeed', '02:compensate:succeed', '02:action:succeed', '03:compensate:succeed', '03:action:failed',
    ]);
  });

  it('a concurrent saga starts its actions together', async () => {
    const gid = gidOf('concurrent');
    busi.onCall = (c) => (c.query.gid === gid ? new Promise((r) => setTimeout(r, 300)) : Promise.resolve());
    await api('submit', {
      gid, trans_type: 'saga', concurrent: true, custom_data: '{"orders":{},"concurrent":true}',
      steps: ['A', 'B', 'C'].map((s) => ({ action: u(`/cc/${s}`), compensate: u(`/cc/${s}-revert`) })),
      payloads: ['{}', '{}', '{}'],
    });
    await until(gid, 'succeed');
    busi.onCall = undefined;
    const at = busi.calls.filter((c) => c.query.gid === gid).map((c) => c.at);
    expect(at).toHaveLength(3);
    expect(Math.max(...at) - Math.min(...at)).toBeLessThan(250);
  });

  it('retries a compensation that fails transiently on DTM’s schedule (2×, then 1× RetryInterval), then the saga is failed (rolled back)', async () => {
    const gid = gidOf('retry');
    busi.script('/rt/B', [{ status: 409 }]);
    busi.script('/rt/A-revert', [{ status: 500, body: 'db down' }, { status: 503, body: 'still down' }]);
    const seenInterval: Array<number | null> = [];
    busi.onCall = async (c) => {
      if (c.query.gid === gid && c.path === '/rt/A-revert') seenInterval.push((await query(gid)).transaction.next_cron_interval ?? null);
    };
    await api('submit', {
      gid, trans_type: 'saga',
      steps: ['A', 'B'].map((s) => ({ action: u(`/rt/${s}`), compensate: u(`/rt/${s}-revert`) })),
      payloads: ['{}', '{}'],
    });
    await until(gid, 'failed', 20_000);
    busi.onCall = undefined;
    const attempts = busi.callsTo('/rt/A-revert', gid);
    expect(attempts).toHaveLength(3);
    // Before each attempt, the interval the previous answer left: 1 (new), 2 (backoff), 1 (grown past RetryInterval: reset).
    expect(seenInterval).toEqual([1, 2, 1]);
    const [g1, g2] = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    // next_cron_time is a timestamp(0), as in DTM: whole seconds, so ±0.5 s, plus the cron's poll.
    expect(g1).toBeGreaterThan(1_300);
    expect(g1).toBeLessThan(3_200);
    expect(g2).toBeGreaterThan(300);
    expect(g2).toBeLessThan(2_200);
    // Each retry replays the stored body exactly.
    expect(new Set(attempts.map((a) => `${a.method} ${a.body}`))).toEqual(new Set(['POST {}']));
  });

  it('resetNextCronTime makes the next retry happen now', async () => {
    const gid = gidOf('reset');
    busi.script('/rs/B', [{ status: 409 }]);
    busi.script('/rs/A-revert', [{ status: 500 }]);
    await api('submit', {
      gid, trans_type: 'saga', retry_interval: 60,
      steps: ['A', 'B'].map((s) => ({ action: u(`/rs/${s}`), compensate: u(`/rs/${s}-revert`) })),
      payloads: ['{}', '{}'],
    });
    await eventually(async () => expect(busi.callsTo('/rs/A-revert', gid)).toHaveLength(1));
    const before = await query(gid);
    expect(before.transaction.status).toBe('aborting');
    expect(before.transaction.next_cron_interval).toBe(120);
    const t0 = Date.now();
    expect(await api('resetNextCronTime', { gid })).toEqual({ status: 200, json: { dtm_result: 'SUCCESS' } });
    await until(gid, 'failed', 5_000);
    expect(busi.callsTo('/rs/A-revert', gid)).toHaveLength(2);
    expect(busi.callsTo('/rs/A-revert', gid)[1].at - t0).toBeLessThan(2_500);
    // Finished: nothing to retry; unknown: FAILURE too.
    expect((await api('resetNextCronTime', { gid })).status).toBe(409);
    expect((await api('resetNextCronTime', { gid: `nope-${tag}` })).status).toBe(409);
  });

  it('forceStop marks an unfinished transaction failed and DTM stops calling its branches', async () => {
    const gid = gidOf('stop');
    busi.script('/fs/B', [{ status: 409 }]);
    busi.script('/fs/A-revert', Array.from({ length: 50 }, () => ({ status: 500 })));
    await api('submit', {
      gid, trans_type: 'saga',
      steps: ['A', 'B'].map((s) => ({ action: u(`/fs/${s}`), compensate: u(`/fs/${s}-revert`) })),
      payloads: ['{}', '{}'],
    });
    await eventually(async () => expect(busi.callsTo('/fs/A-revert', gid).length).toBeGreaterThan(0));
    expect(await api('forceStop', { gid })).toEqual({ status: 200, json: { dtm_result: 'SUCCESS' } });
    expect(await statusOf(gid)).toBe('failed');
    const n = busi.callsTo('/fs/A-revert', gid).length;
    await api('resetNextCronTime', { gid });
    // Drive the cron until nothing is due: a stopped transaction is never picked up again.
    for (let pass = 0; pass < 50; pass++) {
      const picked = await dtm.coordinator.cronOnce();
      if (picked === null) break;
      expect(picked).not.toBe(gid);
    }
    expect(busi.callsTo('/fs/A-revert', gid).length).toBe(n);
    const again = await api('forceStop', { gid });
    expect(again.status).toBe(409);
    expect(again.json.dtm_result).toBe('FAILURE');
  });

  it('two-phase message: a prepared message is checked back (GET, branch 00, op msg) and then delivered; a FAILURE check-back fails it', async () => {
    const committed = gidOf('msg-ok');
    const rolledBack = gidOf('msg-no');
    busi.script('/msg/query-no', [{ status: 409, body: '{"dtm_result":"FAILURE"}' }]);
    for (const [gid, qp] of [[committed, '/msg/query-ok'], [rolledBack, '/msg/query-no']] as const) {
      const r = await api('prepare', {
        gid, trans_type: 'msg', query_prepared: u(qp), timeout_to_fail: 1,
        steps: [{ action: u('/msg/AddPoints') }], payloads: ['{"points":10}'],
      });
      expect(r.status).toBe(200);
      expect(await statusOf(gid)).toBe('prepared');
    }
    await until(committed, 'succeed', 10_000);
    await until(rolledBack, 'failed', 10_000);
    const check = busi.callsTo('/msg/query-ok', committed);
    expect(check).toHaveLength(1);
    expect(check[0]).toMatchObject({ method: 'GET', body: '', query: { gid: committed, trans_type: 'msg', branch_id: '00', op: 'msg' } });
    expect(busi.callsTo('/msg/AddPoints', committed).map((c) => [c.method, c.query.branch_id, c.query.op, c.body])).toEqual([['POST', '01', 'action', '{"points":10}']]);
    expect(busi.callsTo('/msg/AddPoints', rolledBack)).toEqual([]);
  });

  it('two-phase message submitted at once: each branch retried until it succeeds, never compensated', async () => {
    const gid = gidOf('msg-retry');
    busi.script('/msg2/Credit', [{ status: 409 }, { status: 500 }]);
    await api('prepare', { gid, trans_type: 'msg', query_prepared: u('/msg2/qp'), steps: [{ action: u('/msg2/Credit') }], payloads: ['{}'] });
    await api('submit', { gid, trans_type: 'msg', query_prepared: u('/msg2/qp'), steps: [{ action: u('/msg2/Credit') }], payloads: ['{}'] });
    await until(gid, 'succeed', 15_000);
    expect(busi.callsTo('/msg2/Credit', gid)).toHaveLength(3);
    expect(busi.callsTo('/msg2/qp', gid)).toEqual([]);
  });

  it('TCC: the application tries, DTM confirms on submit and cancels on abort, last branch first', async () => {
    const tcc = async (gid: string) => {
      expect((await api('prepare', { gid, trans_type: 'tcc' })).status).toBe(200);
      for (const [branch, side] of [['01', 'Out'], ['02', 'In']]) {
        const r = await api('registerBranch', {
          gid, trans_type: 'tcc', branch_id: branch, data: `{"side":"${side}"}`,
          confirm: u(`/tcc/${side}Confirm`), cancel: u(`/tcc/${side}Cancel`),
        });
        expect(r.status).toBe(200);
      }
    };
    const ok = gidOf('tcc-ok');
    await tcc(ok);
    await api('submit', { gid: ok, trans_type: 'tcc' });
    await until(ok, 'succeed');
    expect(busi.calls.filter((c) => c.query.gid === ok).map((c) => `${c.method} ${c.path} ${c.query.branch_id} ${c.query.op} ${c.body}`)).toEqual([
      'POST /tcc/InConfirm 02 confirm {"side":"In"}', 'POST /tcc/OutConfirm 01 confirm {"side":"Out"}',
    ]);
    const no = gidOf('tcc-no');
    await tcc(no);
    expect((await api('abort', { gid: no, trans_type: 'tcc', rollback_reason: 'credit refused' })).status).toBe(200);
    await until(no, 'failed');
    expect(busi.calls.filter((c) => c.query.gid === no).map((c) => `${c.path} ${c.query.op}`)).toEqual(['/tcc/InCancel cancel', '/tcc/OutCancel cancel']);
    expect((await query(no)).transaction.rollback_reason).toBe('credit refused');
    // A branch can only be registered while the transaction is prepared.
    const late = await api('registerBranch', { gid: no, trans_type: 'tcc', branch_id: '03', confirm: u('/x'), cancel: u('/y') });
    expect(late.status).toBe(409);
  });

  it('XA: commit (POST, always) on submit; rollback on abort', async () => {
    const gid = gidOf('xa');
    await api('prepare', { gid, trans_type: 'xa' });
    await api('registerBranch', { gid, trans_type: 'xa', branch_id: '01', url: u('/xa/StockOut'), data: '' });
    await api('registerBranch', { gid, trans_type: 'xa', branch_id: '02', url: u('/xa/StockIn'), data: '' });
    await api('submit', { gid, trans_type: 'xa' });
    await until(gid, 'succeed');
    expect(busi.calls.filter((c) => c.query.gid === gid).map((c) => `${c.method} ${c.path} ${c.query.op}`)).toEqual(['POST /xa/StockOut commit', 'POST /xa/StockIn commit']);
    const rb = gidOf('xa-rb');
    await api('prepare', { gid: rb, trans_type: 'xa' });
    await api('registerBranch', { gid: rb, trans_type: 'xa', branch_id: '01', url: u('/xa/StockOut'), data: '' });
    await api('abort', { gid: rb, trans_type: 'xa' });
    await until(rb, 'failed');
    expect(busi.calls.filter((c) => c.query.gid === rb).map((c) => c.query.op)).toEqual(['rollback']);
  });

  it('answers query and all in DTM’s JSON shape, paging newest first', async () => {
    const gid = gidOf('shape');
    await api('submit', { gid, trans_type: 'saga', steps: [{ action: u('/sh/A'), compensate: u('/sh/A-revert') }], payloads: ['{"x":1}'], wait_result: true });
    const q = await query(gid);
    expect(Object.keys(q).sort()).toEqual(['branches', 'transaction']);
    expect(q.transaction).toMatchObject({ gid, trans_type: 'saga', status: 'succeed', protocol: 'http', next_cron_interval: 1, concurrent: false });
    expect(q.transaction.options).toBe('{"wait_result":true,"concurrent":false}');
    for (const k of ['id', 'create_time', 'update_time', 'finish_time', 'next_cron_time']) expect(q.transaction).toHaveProperty(k);
    expect(q.transaction.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(q.branches[1]).toMatchObject({ gid, url: u('/sh/A'), branch_id: '01', op: 'action', status: 'succeed', bin_data: Buffer.from('{"x":1}').toString('base64') });
    expect(await query(`missing-${tag}`)).toEqual({ transaction: null, branches: [] });
    expect((await api('query')).status).toBe(500);

    const page1 = (await api('all?limit=2')).json;
    expect(Object.keys(page1).sort()).toEqual(['next_position', 'transactions']);
    expect(page1.transactions).toHaveLength(2);
    expect(page1.transactions[0].id).toBeGreaterThan(page1.transactions[1].id);
    expect(page1.next_position).toBe(String(page1.transactions[1].id));
    const page2 = (await api(`all?limit=2&position=${page1.next_position}`)).json;
    expect(page2.transactions[0].id).toBeLessThan(page1.transactions[1].id);
    const unfinished = (await api('all?status=succeed&limit=1000')).json;
    expect(unfinished.next_position).toBe('');
    expect(unfinished.transactions.every((t: any) => t.status === 'succeed')).toBe(true);
    expect((await api(`all?gid=${gid}`)).json.transactions.map((t: any) => t.gid)).toEqual([gid]);
  });

  it('refuses what DTM refuses, as DTM does', async () => {
    const gid = gidOf('refuse');
    await api('submit', { gid, trans_type: 'saga', steps: [{ action: u('/rf/A'), compensate: '' }], payloads: ['{}'] });
    await until(gid, 'succeed');
    // A saga cannot be aborted; a finished transaction cannot be prepared again.
    expect((await api('abort', { gid, trans_type: 'saga' })).status).toBe(409);
    expect((await api('prepare', { gid, trans_type: 'saga' })).json.dtm_result).toBe('FAILURE');
    expect((await api('submit', { gid: 'x', trans_type: 'nonsense' })).status).toBe(500);
    const nf = await fetch(`${dtm.url}/api/dtmsvr/nothing`);
    expect(nf.status).toBe(404);
  });
});
