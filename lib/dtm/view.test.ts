/**
 * DTM's JSON, in its exact shapes (dtmsvr/api_http.go query / all, dtmsvr/storage/trans.go
 * field names, Go time.Time with nanoseconds and a zone offset), through the zod schemas
 * and the mapping to the page's coordinator object.
 */
import { describe, expect, it } from 'vitest';
import { dtmAllSchema, dtmQuerySchema } from './shapes';
import { mapDtmQuery, withCallsSeen } from './view';
import { parseDtmServer, parseDtmServers } from './servers';

/** What DTM answers to GET /api/dtmsvr/query?gid=… for a saga retrying its compensation of branch 01. */
export const QUERY_RETRYING = {
  branches: [
    { id: 1, create_time: '2026-12-06T14:00:00.123456+08:00', update_time: '2026-12-06T14:00:00.123456+08:00', gid: 'gid-1', url: 'http://busi:8081/api/busi/TransOutRevert', bin_data: 'eyJhbW91bnQiOjMwfQ==', branch_id: '01', op: 'compensate', status: 'prepared' },
    { id: 2, create_time: '2026-12-06T14:00:00.123456+08:00', update_time: '2026-12-06T14:00:00.2+08:00', gid: 'gid-1', url: 'http://busi:8081/api/busi/TransOut', bin_data: 'eyJhbW91bnQiOjMwfQ==', branch_id: '01', op: 'action', status: 'succeed', finish_time: '2026-12-06T14:00:00.2+08:00' },
    { id: 3, create_time: '2026-12-06T14:00:00.123456+08:00', update_time: '2026-12-06T14:00:00.3+08:00', gid: 'gid-1', url: 'http://busi:8081/api/busi/TransInRevert', bin_data: 'eyJhbW91bnQiOjMwfQ==', branch_id: '02', op: 'compensate', status: 'succeed', finish_time: '2026-12-06T14:00:00.4+08:00' },
    { id: 4, create_time: '2026-12-06T14:00:00.123456+08:00', update_time: '2026-12-06T14:00:00.3+08:00', gid: 'gid-1', url: 'http://busi:8081/api/busi/TransIn', bin_data: 'eyJhbW91bnQiOjMwfQ==', branch_id: '02', op: 'action', status: 'failed', finish_time: '2026-12-06T14:00:00.3+08:00' },
  ],
  transaction: {
    id: 7, create_time: '2026-12-06T14:00:00.1+08:00', update_time: '2026-12-06T14:01:10.5+08:00', gid: 'gid-1', trans_type: 'saga',
    status: 'aborting', protocol: 'http', rollback_reason: 'url:http://busi:8081/api/busi/TransIn return failed: FAILURE',
    options: '{"concurrent":false}', next_cron_interval: 80, next_cron_time: '2026-12-06T14:02:30.000000001+08:00', owner: '', concurrent: false,
  },
};

describe('DTM query answers', () => {
  it('parse and map: status, next retry, the current interval, rollback reason, branches in order', () => {
    const q = dtmQuerySchema.parse(QUERY_RETRYING);
    const fetched = Date.parse('2026-12-06T06:01:12Z');
    const { json, input } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, fetched);
    expect(json).toMatchObject({
      kind: 'dtm', server: 'http://dtm:36789', status: 'aborting', transType: 'saga',
      nextRetryAt: '2026-12-06T06:02:30.000Z',
      // next_cron_interval as stored: the wait, not a count of calls.
      retryIntervalS: 80,
      rollbackReason: 'url:http://busi:8081/api/busi/TransIn return failed: FAILURE',
      fetchedAt: '2026-12-06T06:01:12.000Z', error: null, divergences: [],
    });
    expect(json.branches.map((b) => [b.branchId, b.op, b.status])).toEqual([
      ['01', 'action', 'succeed'], ['01', 'compensate', 'prepared'], ['02', 'action', 'failed'], ['02', 'compensate', 'succeed'],
    ]);
    expect(input).toMatchObject({ status: 'aborting', nextRetryMs: Date.parse('2026-12-06T06:02:30Z'), fetchedMs: fetched });
    expect(input.branches[0]).toMatchObject({ branchId: '01', op: 'action', status: 'succeed', finishedMs: Date.parse('2026-12-06T06:00:00.2Z') });
  });

  it('a finished transaction has no next retry nor interval', () => {
    const q = dtmQuerySchema.parse({ ...QUERY_RETRYING, transaction: { ...QUERY_RETRYING.transaction, status: 'failed', rollback_time: '2026-12-06T14:03:00+08:00' } });
    const { json, input } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, 0);
    expect([json.status, json.nextRetryAt, json.retryIntervalS, input.nextRetryMs]).toEqual(['failed', null, null, null]);
  });

  it('an unknown gid is {"transaction": null, "branches": []} (also null branches)', () => {
    expect(dtmQuerySchema.parse({ transaction: null, branches: [] })).toEqual({ transaction: null, branches: [] });
    expect(dtmQuerySchema.parse({ transaction: null, branches: null })).toEqual({ transaction: null, branches: [] });
  });

  it('garbage is refused by the schema, not crashed on', () => {
    for (const bad of [
      null, [], 'FAILURE', { transactions: [] },
      { transaction: { ...QUERY_RETRYING.transaction, status: 'weird' }, branches: [] },
      { transaction: { ...QUERY_RETRYING.transaction, next_cron_time: 'yesterday' }, branches: [] },
      { transaction: { ...QUERY_RETRYING.transaction, gid: 42 }, branches: [] },
      { transaction: QUERY_RETRYING.transaction, branches: [{ branch_id: '01', status: 'succeed' }] },
    ]) {
      expect(dtmQuerySchema.safeParse(bad).success, JSON.stringify(bad)?.slice(0, 80)).toBe(false);
    }
  });

  it("Go's zero time means unset", () => {
    const q = dtmQuerySchema.parse({ transaction: { ...QUERY_RETRYING.transaction, next_cron_time: '0001-01-01T00:00:00Z' }, branches: [] });
    expect(q.transaction!.next_cron_time).toBeNull();
  });
});

/**
 * DTM's execBranch (dtmsvr/trans_status.go) after each call, restated for the table below:
 * (success && ≥ 1.5 s since touched) || (interval > server base && interval > trans base) → reset to the base;
 * ONGOING → keep; other error → double. Histories with different numbers of failed calls leave the
 * same next_cron_interval, so the view reports the interval and never an attempt count.
 */
function intervalAfter(calls: Array<'error' | 'ongoing' | 'slow-success'>, server: number, trans = 0): number {
  const base = trans || server;
  let i = base; // saveNew: cronReset
  for (const c of calls) {
    if ((c === 'slow-success') || (i > server && i > trans)) i = base;
    else if (c === 'error') i *= 2;
  }
  return i;
}

describe('no attempt count: DTM stores none (dtmsvr/trans_status.go execBranch)', () => {
  const errors = (n: number) => Array<'error'>(n).fill('error');
  it.each([
    ['1 failed call, default 10 s', errors(1), 10, 0, 20],
    ['3 failed calls, default 10 s (20 → reset 10 → 20)', errors(3), 10, 0, 20],
    ['51 failed calls, default 10 s', errors(51), 10, 0, 20],
    ['2 failed calls, default 10 s', errors(2), 10, 0, 10],
    ['0 calls yet', [], 10, 0, 10],
    ['retry_interval 1 s under a 10 s server: doubles to 16, then resets', errors(4), 10, 1, 16],
    ['retry_interval 1 s, 5 failed calls: reset', errors(5), 10, 1, 1],
    ['retry_interval 1 s, 9 failed calls: 16 again', errors(9), 10, 1, 16],
    ['ONGOING keeps an interval still below the server base', ['error', 'error', 'ongoing', 'ongoing'] as const, 10, 1, 4],
    ['ONGOING once the interval grew past both bases resets it', ['error', 'ongoing'] as const, 10, 0, 10],
    ['a slow success of another branch resets it', ['error', 'slow-success'] as const, 10, 0, 10],
  ])('%s → next_cron_interval %#', (_name, calls, server, trans, interval) => {
    expect(intervalAfter([...calls], server, trans)).toBe(interval);
    // Whatever the history, the view passes the interval on and claims no count.
    const q = dtmQuerySchema.parse({ transaction: { ...QUERY_RETRYING.transaction, next_cron_interval: interval, retry_interval: trans || undefined }, branches: [] });
    const { json } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, 0);
    expect(json.retryIntervalS).toBe(interval);
    expect(json).not.toHaveProperty('retryCount');
  });
  it('one interval, several histories: 20 s is 1, 3 or 51 failed calls', () => {
    expect(new Set([1, 3, 51].map((n) => intervalAfter(errors(n), 10)))).toEqual(new Set([20]));
  });
  it('no interval stored: null', () => {
    const q = dtmQuerySchema.parse({ transaction: { ...QUERY_RETRYING.transaction, next_cron_interval: 0 }, branches: [] });
    expect(mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, 0).json.retryIntervalS).toBeNull();
  });
});

describe('calls seen per branch op (the spans that reached sagascope)', () => {
  const q = dtmQuerySchema.parse(QUERY_RETRYING);
  const { json } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, 0);
  type S = { key: string; op: 'action' | 'compensate'; result: 'success' | 'failure' | 'transient' | 'ongoing' };
  it.each<[string, S[], Record<string, [number, number]>]>([
    ['no spans', [], { '01/action': [0, 0], '01/compensate': [0, 0], '02/action': [0, 0], '02/compensate': [0, 0] }],
    [
      'retried compensation: transient errors count as failed calls, ONGOING does not',
      [
        { key: '01', op: 'action', result: 'success' },
        { key: '02', op: 'action', result: 'failure' },
        { key: '02', op: 'compensate', result: 'success' },
        { key: '01', op: 'compensate', result: 'transient' },
        { key: '01', op: 'compensate', result: 'ongoing' },
        { key: '01', op: 'compensate', result: 'transient' },
      ],
      { '01/action': [1, 0], '01/compensate': [3, 2], '02/action': [1, 1], '02/compensate': [1, 0] },
    ],
    ['a span of a branch DTM does not list is not counted anywhere', [{ key: '07', op: 'action', result: 'success' }], { '01/action': [0, 0], '01/compensate': [0, 0], '02/action': [0, 0], '02/compensate': [0, 0] }],
  ])('%s', (_name, steps, want) => {
    const out = withCallsSeen(json, steps, [{ branchId: '01', op: 'action', message: 'm' }]);
    expect(Object.fromEntries(out.branches.map((b) => [`${b.branchId}/${b.op}`, [b.callsSeen, b.failedCallsSeen]]))).toEqual(want);
    expect(out.divergences).toEqual([{ branchId: '01', op: 'action', message: 'm' }]);
  });
});

describe('DTM all answers (paging by next_position)', () => {
  it('parse', () => {
    const r = dtmAllSchema.parse({ transactions: [QUERY_RETRYING.transaction], next_position: '6' });
    expect([r.transactions.map((x) => x.gid), r.next_position]).toEqual([['gid-1'], '6']);
    expect(dtmAllSchema.parse({ transactions: null, next_position: '' })).toEqual({ transactions: [], next_position: '' });
  });
});

describe('SAGASCOPE_DTM_SERVERS', () => {
  it('base URLs, with or without /api/dtmsvr, deduplicated', () => {
    expect(parseDtmServers('http://dtm:36789, http://dtm:36789/api/dtmsvr/ ,https://dtm2.example:443')).toEqual(['http://dtm:36789', 'https://dtm2.example']);
  });
  it.each(['dtm:36789', 'ftp://dtm', 'http://u:p@dtm', 'http://dtm/other', 'http://dtm?x=1'])('refuses %s', (bad) => {
    expect(() => parseDtmServer(bad)).toThrow();
  });
});
