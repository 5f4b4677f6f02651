import { describe, expect, it } from 'vitest';
import { sagaVersion, versionEtag, type VersionInputs } from './version';
import type { CoordinatorJson } from '../dtm/view';

const T = 1_700_000_000_000;
const base: VersionInputs = {
  updatedAtMs: T,
  spanCount: 4,
  status: 'running',
  anomalies: [],
  next: { atMs: T + 300_000, status: 'stuck', anomalies: ['stuck'] },
  auditSeq: 0,
  coordinator: null,
};
const dtm: CoordinatorJson = {
  kind: 'dtm', server: 'http://dtm:36789', status: 'submitted', transType: 'saga', nextRetryAt: null, retryIntervalS: null,
  rollbackReason: null, branches: [{ branchId: '01', op: 'action', status: 'prepared', url: 'http://x/a', finishedAt: null, callsSeen: 0, failedCallsSeen: 0 }],
  fetchedAt: new Date(T).toISOString(), divergences: [], error: null,
};
const v = (over: Partial<VersionInputs>, nowMs = T) => sagaVersion({ ...base, ...over }, nowMs).version;

describe('sagaVersion', () => {
  it('is stable for the same inputs at any time before a transition', () => {
    expect(v({})).toBe(v({}, T + 299_999));
    expect(v({})).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('changes with a span, a span count at the size limit, an audit entry', () => {
    const seen = new Set([v({}), v({ updatedAtMs: T + 1 }), v({ spanCount: 5 }), v({ auditSeq: 7 })]);
    expect(seen.size).toBe(4);
  });

  it('changes when a timed transition falls due, with no span (running → stuck)', () => {
    const before = sagaVersion(base, T + 299_999);
    const after = sagaVersion(base, T + 300_000);
    expect([before.status, after.status]).toEqual(['running', 'stuck']);
    expect(after.version).not.toBe(before.version);
    expect(after.terminal).toBe(false);
  });

  it('changes with what DTM says, not with when it was asked', () => {
    const c = v({ coordinator: dtm });
    expect(c).not.toBe(v({}));
    expect(v({ coordinator: { ...dtm, fetchedAt: new Date(T + 5_000).toISOString() } })).toBe(c);
    expect(v({ coordinator: { ...dtm, status: 'succeed' } })).not.toBe(c);
    expect(v({ coordinator: { ...dtm, branches: [{ ...dtm.branches[0]!, status: 'succeed' }] } })).not.toBe(c);
    expect(v({ coordinator: { ...dtm, error: 'timeout' } })).not.toBe(c);
  });

  it('is terminal for committed, compensated and failed only', () => {
    const terminal = (status: VersionInputs['status']) => sagaVersion({ ...base, status, next: null }, T).terminal;
    expect(['committed', 'compensated', 'failed'].map((s) => terminal(s as VersionInputs['status']))).toEqual([true, true, true]);
    expect(['running', 'compensating', 'stuck'].map((s) => terminal(s as VersionInputs['status']))).toEqual([false, false, false]);
  });

  it('does not depend on the order anomalies are stored in', () => {
    expect(v({ anomalies: ['stuck', 'hanging_action'] as VersionInputs['anomalies'], next: null })).toBe(
      v({ anomalies: ['hanging_action', 'stuck'] as VersionInputs['anomalies'], next: null }),
    );
  });

  it('is sent as a strong ETag', () => {
    expect(versionEtag('abc')).toBe('"abc"');
  });
});
