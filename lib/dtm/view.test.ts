/**
 * DTM's JSON, in its exact shapes (dtmsvr/api_http.go query / all, dtmsvr/storage/trans.go
 * field names, Go time.Time with nanoseconds and a zone offset), through the zod schemas
 * and the mapping to the page's coordinator object.
 */
import { describe, expect, it } from 'vitest';
import { dtmAllSchema, dtmQuerySchema } from './shapes';
import { mapDtmQuery, retryCountOf } from './view';
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
  it('parse and map: status, next retry, retry count from next_cron_interval, rollback reason, branches in order', () => {
    const q = dtmQuerySchema.parse(QUERY_RETRYING);
    const fetched = Date.parse('2026-12-06T06:01:12Z');
    const { json, input } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, fetched);
    expect(json).toMatchObject({
      kind: 'dtm', server: 'http://dtm:36789', status: 'aborting', transType: 'saga',
      nextRetryAt: '2026-12-06T06:02:30.000Z',
      // 80 s = 10 s × 2³: three failed calls since the last reset; the next is attempt 4.
      retryCount: 3,
      rollbackReason: 'url:http://busi:8081/api/busi/TransIn return failed: FAILURE',
      fetchedAt: '2026-12-06T06:01:12.000Z', error: null, divergences: [],
    });
    expect(json.branches.map((b) => [b.branchId, b.op, b.status])).toEqual([
      ['01', 'action', 'succeed'], ['01', 'compensate', 'prepared'], ['02', 'action', 'failed'], ['02', 'compensate', 'succeed'],
    ]);
    expect(input).toMatchObject({ status: 'aborting', nextRetryMs: Date.parse('2026-12-06T06:02:30Z'), fetchedMs: fetched });
    expect(input.branches[0]).toMatchObject({ branchId: '01', op: 'action', status: 'succeed', finishedMs: Date.parse('2026-12-06T06:00:00.2Z') });
  });

  it('a finished transaction has no next retry nor retry count', () => {
    const q = dtmQuerySchema.parse({ ...QUERY_RETRYING, transaction: { ...QUERY_RETRYING.transaction, status: 'failed', rollback_time: '2026-12-06T14:03:00+08:00' } });
    const { json, input } = mapDtmQuery('http://dtm:36789', { ...q, transaction: q.transaction! }, 0);
    expect([json.status, json.nextRetryAt, json.retryCount, input.nextRetryMs]).toEqual(['failed', null, null, null]);
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

describe('retry count, as DTM derives next_cron_interval (cronBackoff doubles, cronReset to retry_interval)', () => {
  const t = (next_cron_interval: number, extra: Record<string, unknown> = {}) =>
    dtmQuerySchema.parse({ transaction: { ...QUERY_RETRYING.transaction, next_cron_interval, ...extra }, branches: [] }).transaction!;
  it.each([
    [10, 0], [20, 1], [40, 2], [80, 3], [160, 4], [10 * 2 ** 10, 10],
  ])('interval %i s with the default 10 s → %i failed calls', (interval, n) => {
    expect(retryCountOf(t(interval))).toBe(n);
  });
  it("the transaction's own retry_interval (top level or in its options JSON) is the base", () => {
    expect(retryCountOf(t(12, { retry_interval: 3 }))).toBe(2);
    expect(retryCountOf(t(12, { options: '{"retry_interval":3}' }))).toBe(2);
    expect(retryCountOf(t(40, { options: 'not json' }))).toBe(2);
  });
  it("a server whose RetryInterval is not DTM's default", () => {
    expect(retryCountOf(t(60), 15)).toBe(2);
  });
  it('no interval: unknown', () => {
    expect(retryCountOf(t(0))).toBeNull();
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
