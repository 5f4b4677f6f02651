import { describe, expect, it } from 'vitest';
import { suggestRepairs } from './suggest';
import { sagaSpans, sagaAfter, withStepUrls, type Thresholds } from '../../test/support/saga-fixtures';
import type { SagaSpan } from '../saga/types';

const withUrls = withStepUrls;

const byKind = (spans: SagaSpan[], quietMs = 1_000, overrides: Thresholds = {}) => {
  const saga = sagaAfter(spans, quietMs, overrides);
  const repairs = suggestRepairs(saga, spans, { nowMs: saga.lastActivityMs + quietMs });
  return new Map(saga.anomalies.map((a, i) => [`${a.kind}:${a.step ?? ''}`, repairs[i]!]));
};

describe('suggestRepairs', () => {
  it('missing compensation → compensate that step (its undo op), sentence says what it does', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'S', steps: ['a', 'b', 'c'] }).action('a', { at: 0 }).action('b', { at: 20 }).action('c', { at: 40, fail: true }).root({ at: 0, dur: 100 }).build(),
    );
    const r = byKind(spans);
    expect(r.get('missing_compensation:a')).toEqual({ suggestedAction: { action: 'compensate', step: 'a', op: 'compensate' }, suggestion: 'Run the compensate of step "a".' });
    expect(r.get('missing_compensation:b')!.suggestedAction).toEqual({ action: 'compensate', step: 'b', op: 'compensate' });
  });

  it('TCC: the suggested undo op is cancel', () => {
    const spans = withUrls(sagaSpans({ sagaId: 'T', protocol: 'tcc', steps: ['d', 'c'] }).try('d', { at: 0 }).try('c', { at: 10, fail: true }).root({ at: 0, dur: 50 }).build());
    expect(byKind(spans).get('missing_compensation:d')!.suggestedAction).toEqual({ action: 'compensate', step: 'd', op: 'cancel' });
  });

  it('a failed compensation → run that compensation again', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'F', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).compensate('a', { at: 40, fail: 'HTTP 500' }).root({ at: 0, dur: 100 }).build(),
    );
    const r = byKind(spans).get('compensation_failed:a')!;
    expect(r.suggestedAction).toEqual({ action: 'compensate', step: 'a', op: 'compensate' });
  });

  it('stuck in the forward phase with a failed step → retry it; stuck undoing → compensate the saga', () => {
    const forward = withUrls(sagaSpans({ sagaId: 'K', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, running: true }).root({ at: 0, running: true }).build());
    expect(byKind(forward, 3_600_000).get('stuck:')).toMatchObject({ suggestedAction: null, suggestion: expect.stringMatching(/^Nothing failed/) });
    const undoing = withUrls(sagaSpans({ sagaId: 'U', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).root({ at: 0, running: true }).build());
    expect(byKind(undoing, 3_600_000, { stuckAfterMs: 10_000 }).get('stuck:')!.suggestedAction).toEqual({ action: 'compensate', step: null, op: 'compensate' });
  });

  it('anomalies no call repairs say why, and what to do instead', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'O', steps: ['a', 'b', 'c'] })
        .action('a', { at: 0 }).action('b', { at: 10 }).action('c', { at: 20, fail: true })
        .compensate('a', { at: 30 }).compensate('b', { at: 40 })
        .root({ at: 0, dur: 100 }).build(),
    );
    const r = byKind(spans).get('compensation_out_of_order:a')!;
    expect(r.suggestedAction).toBeNull();
    expect(r.suggestion).toMatch(/^Nothing to call: the compensations already ran/);
  });

  it('a suggestion the safety rules refuse outright becomes none, with the rule\'s sentence', () => {
    const spans = withUrls(sagaSpans({ sagaId: 'M', protocol: 'msg', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).root({ at: 0, dur: 50 }).build());
    const saga = sagaAfter(spans, 3_600_000);
    const repairs = suggestRepairs(saga, spans);
    for (const r of repairs) if (r.suggestedAction) expect(r.suggestedAction.action).not.toBe('compensate');
  });
});
