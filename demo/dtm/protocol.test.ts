import { describe, expect, it } from 'vitest';
import { branchOutcome, branchRequest, classifyAnswer, cronAfterBranch, isTimedOut, needProcess, nextCronInterval } from './protocol';

const conf = { retryIntervalS: 10 };
const plain = { retryIntervalS: 0, timeoutToFailS: 0 };

describe('classifyAnswer (RespAsErrorCompatible)', () => {
  it('200 success, 409 failure, 425 ongoing, anything else an error', () => {
    expect(classifyAnswer(200, '{"dtm_result":"SUCCESS"}')).toBe('SUCCESS');
    expect(classifyAnswer(200, '')).toBe('SUCCESS');
    expect(classifyAnswer(409, '')).toBe('FAILURE');
    expect(classifyAnswer(425, '')).toBe('ONGOING');
    for (const s of [500, 503, 400, 404, 0]) expect(classifyAnswer(s, 'oops')).toBe('ERROR');
  });
  it('a body saying FAILURE or ONGOING counts whatever the code; ONGOING is checked first', () => {
    expect(classifyAnswer(200, '{"dtm_result":"FAILURE"}')).toBe('FAILURE');
    expect(classifyAnswer(500, 'FAILURE')).toBe('FAILURE');
    expect(classifyAnswer(409, 'ONGOING')).toBe('ONGOING');
    expect(classifyAnswer(200, 'ONGOING')).toBe('ONGOING');
  });
});

describe('branchOutcome (getBranchResult)', () => {
  it('only a saga action is marked failed by FAILURE; every other op is retried', () => {
    expect(branchOutcome('saga', 'action', 'FAILURE')).toEqual({ status: 'failed', retry: 'none' });
    expect(branchOutcome('saga', 'compensate', 'FAILURE')).toEqual({ status: null, retry: 'error' });
    expect(branchOutcome('msg', 'action', 'FAILURE')).toEqual({ status: null, retry: 'error' });
    expect(branchOutcome('tcc', 'confirm', 'FAILURE')).toEqual({ status: null, retry: 'error' });
    expect(branchOutcome('xa', 'rollback', 'SUCCESS')).toEqual({ status: 'succeed', retry: 'none' });
    expect(branchOutcome('saga', 'action', 'ONGOING')).toEqual({ status: null, retry: 'ongoing' });
    expect(branchOutcome('saga', 'action', 'ERROR')).toEqual({ status: null, retry: 'error' });
  });
});

describe('branchRequest (getURLResult)', () => {
  const trans = { gid: 'g1', transType: 'saga' as const };
  it('adds gid, trans_type, branch_id, op to the URL and POSTs the stored payload', () => {
    const r = branchRequest(trans, { url: 'http://127.0.0.1:8081/api/TransOut', branchId: '01', op: 'action', payload: '{"amount":30}' });
    expect(r).toEqual({ method: 'POST', url: 'http://127.0.0.1:8081/api/TransOut?gid=g1&trans_type=saga&branch_id=01&op=action', body: '{"amount":30}' });
  });
  it('keeps the URL’s own query parameters', () => {
    const r = branchRequest(trans, { url: 'http://h/x?tenant=a%20b', branchId: '02', op: 'compensate', payload: '' });
    expect(r?.url).toBe('http://h/x?tenant=a+b&gid=g1&trans_type=saga&branch_id=02&op=compensate');
    // An empty (but present) payload is still a payload: POST with an empty body.
    expect(r?.method).toBe('POST');
  });
  it('GET when there is no payload (the msg check-back), POST always for XA', () => {
    expect(branchRequest({ gid: 'm', transType: 'msg' }, { url: 'http://h/qp', branchId: '00', op: 'msg', payload: null })).toEqual({
      method: 'GET', url: 'http://h/qp?gid=m&trans_type=msg&branch_id=00&op=msg', body: null,
    });
    expect(branchRequest({ gid: 'x', transType: 'xa' }, { url: 'http://h/xa', branchId: '01', op: 'commit', payload: null })?.method).toBe('POST');
  });
  it('an empty URL is no call at all (a step without compensation succeeds)', () => {
    expect(branchRequest(trans, { url: '', branchId: '01', op: 'compensate', payload: null })).toBeNull();
  });
});

describe('retry pacing (getNextCronInterval, execBranch)', () => {
  it('backoff doubles, keep keeps, reset returns to the transaction’s or the server’s interval', () => {
    expect(nextCronInterval('backoff', 10, plain, conf)).toBe(20);
    expect(nextCronInterval('backoff', 20, plain, conf)).toBe(40);
    expect(nextCronInterval('keep', 20, plain, conf)).toBe(20);
    expect(nextCronInterval('reset', 40, plain, conf)).toBe(10);
    expect(nextCronInterval('reset', 40, { retryIntervalS: 3, timeoutToFailS: 0 }, conf)).toBe(3);
    expect(nextCronInterval('reset', 40, { retryIntervalS: 0, timeoutToFailS: 4 }, conf)).toBe(4);
    expect(nextCronInterval('reset', 40, { retryIntervalS: 0, timeoutToFailS: 60 }, conf)).toBe(10);
  });

  it('an error backs off; an error once the interval grew resets it (DTM’s 20, 10, 20, 10 …)', () => {
    let interval = 10; // saveNew: reset
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ctype = cronAfterBranch('error', 100, interval, { retryIntervalS: 0 }, conf);
      interval = nextCronInterval(ctype!, interval, plain, conf);
      waits.push(interval);
    }
    expect(waits).toEqual([20, 10, 20, 10, 20]);
  });

  it('ONGOING keeps the interval; a success only resets after 1.5 s of work', () => {
    expect(cronAfterBranch('ongoing', 0, 10, { retryIntervalS: 0 }, conf)).toBe('keep');
    expect(cronAfterBranch('none', 200, 10, { retryIntervalS: 0 }, conf)).toBeNull();
    expect(cronAfterBranch('none', 1_500, 10, { retryIntervalS: 0 }, conf)).toBe('reset');
    // The transaction's own larger retry_interval is not "grown".
    expect(cronAfterBranch('error', 0, 30, { retryIntervalS: 30 }, conf)).toBe('backoff');
  });
});

describe('timeouts (isTimeout, needProcess)', () => {
  const created = new Date('2026-01-01T00:00:00Z');
  const at = (s: number) => new Date(created.getTime() + s * 1000);
  it('sagas time out only with their own timeout_to_fail; other types with the server’s 35 s', () => {
    expect(isTimedOut({ transType: 'saga', timeoutToFailS: 0, createTime: created }, { timeoutToFailS: 35 }, at(1_000))).toBe(false);
    expect(isTimedOut({ transType: 'saga', timeoutToFailS: 5, createTime: created }, { timeoutToFailS: 35 }, at(5))).toBe(true);
    expect(isTimedOut({ transType: 'msg', timeoutToFailS: 0, createTime: created }, { timeoutToFailS: 35 }, at(34))).toBe(false);
    expect(isTimedOut({ transType: 'msg', timeoutToFailS: 0, createTime: created }, { timeoutToFailS: 35 }, at(35))).toBe(true);
  });
  it('submitted and aborting are processed; prepared only once timed out; finished never', () => {
    expect(needProcess('submitted', false)).toBe(true);
    expect(needProcess('aborting', false)).toBe(true);
    expect(needProcess('prepared', false)).toBe(false);
    expect(needProcess('prepared', true)).toBe(true);
    expect(needProcess('succeed', true)).toBe(false);
    expect(needProcess('failed', true)).toBe(false);
  });
});
