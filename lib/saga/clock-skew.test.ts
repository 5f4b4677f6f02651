import { describe, expect, it } from 'vitest';
import { sagaSpans, sagaAfter, BASE_MS, prng, shuffledWithDuplicates, frozen } from '../../test/support/saga-fixtures';
import { correctClockSkew } from './clock-skew';
import { canonicalize } from './spans';
import type { SagaSpan } from './types';

/** Orchestrator calls reserve, charge (fails), then compensates reserve; every call recorded on both sides. */
function checkout(): SagaSpan[] {
  const b = sagaSpans({ steps: ['reserve', 'charge'] });
  b.root({ at: 0, dur: 400 });
  const root = b.lastSpanId;
  b.call('action', 'reserve', { at: 10, dur: 50 });
  b.call('action', 'charge', { at: 100, dur: 50, fail: true });
  b.call('compensate', 'reserve', { at: 200, dur: 50 });
  // coordinator client spans hang under the root
  return b.build().map((s) => (s.service === 'orchestrator' && s.op !== null ? { ...s, parentSpanId: root } : s));
}

/** The same run as stamped by a service whose clock is `offsetMs` off. */
const skewed = (spans: SagaSpan[], service: string, offsetMs: number) =>
  spans.map((s) => (s.service === service ? { ...s, startMs: s.startMs + offsetMs, endMs: s.endMs > 0 ? s.endMs + offsetMs : 0 } : s));

describe('clock skew', () => {
  it('nothing to correct: the same span objects come back and no correction is reported', () => {
    const { spans, parentIndex } = canonicalize(checkout());
    const r = correctClockSkew(spans, parentIndex);
    expect(r.corrections).toEqual([]);
    expect(r.spans).toBe(spans);
  });

  it('a participant clock 5 s behind: its spans are moved back inside their callers and the move is reported', () => {
    const truth = sagaAfter(checkout());
    const saga = sagaAfter(skewed(checkout(), 'reserve-svc', -5000));
    expect(saga.clockSkew).toEqual([{ service: 'reserve-svc', relativeTo: 'orchestrator', correctionMs: 5000, spans: 2 }]);
    expect(saga.status).toBe(truth.status);
    expect(saga.anomalies).toEqual(truth.anomalies);
    expect(saga.steps.map((s) => [s.step, s.op, s.startMs])).toEqual(truth.steps.map((s) => [s.step, s.op, s.startMs]));
    expect(saga.startMs).toBe(truth.startMs);
  });

  it('late work is not skew: a server span outliving its timed-out caller, or starting after it, stays where it is', () => {
    const b = sagaSpans({ steps: ['reserve'] });
    b.root({ at: 0, dur: 10_000 });
    const root = b.lastSpanId;
    b.action('reserve', { at: 10, dur: 50, parent: root, service: 'orchestrator', role: 'coordinator', spanId: 'c1' });
    b.action('reserve', { at: 20, dur: 5000, parent: 'c1', service: 'reserve-svc', spanId: 's1' }); // caller timed out at 60
    b.action('reserve', { at: 100, dur: 20, parent: 'c1', service: 'reserve-svc', spanId: 's2', attempt: 2 }); // held up, ran after
    const { spans, parentIndex } = canonicalize(b.build());
    const r = correctClockSkew(spans, parentIndex);
    expect(r.corrections).toEqual([]);
    expect(r.spans).toBe(spans);
  });

  it('without the correction, a clock running behind fakes an out-of-order compensation; with it there is none', () => {
    // reserve-svc 2 s behind: its compensation would seem to run before charge's, which ran first.
    const b = sagaSpans({ steps: ['reserve', 'charge', 'ship'] });
    b.root({ at: 0, dur: 500 });
    const root = b.lastSpanId;
    b.call('action', 'reserve', { at: 10, dur: 20 });
    b.call('action', 'charge', { at: 40, dur: 20 });
    b.call('action', 'ship', { at: 70, dur: 20, fail: true });
    b.call('compensate', 'charge', { at: 100, dur: 20 });
    b.call('compensate', 'reserve', { at: 130, dur: 20 });
    const spans = skewed(b.build().map((s) => (s.service === 'orchestrator' && s.op !== null ? { ...s, parentSpanId: root } : s)), 'reserve-svc', -2000);
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.anomalies.map((a) => a.kind)).toEqual([]);
    expect(saga.clockSkew.map((c) => c.service)).toEqual(['reserve-svc']);
  });

  it('a child longer than its parent is aligned to the parent start; running spans only by their start', () => {
    const b = sagaSpans();
    b.root({ at: 100, dur: 10 });
    const root = b.lastSpanId;
    b.action('x', { at: 0, dur: 50, parent: root, service: 'x-svc' });
    b.action('y', { at: 50, running: true, parent: root, service: 'y-svc' });
    const { spans, parentIndex } = canonicalize(b.build());
    const r = correctClockSkew(spans, parentIndex);
    const byStep = new Map(r.spans.map((s) => [s.step, s]));
    expect(byStep.get('x')!.startMs).toBe(BASE_MS + 100);
    expect(byStep.get('y')!.startMs).toBe(BASE_MS + 100);
    expect(byStep.get('y')!.endMs).toBe(0);
  });

  it('corrections carry down the tree: a grandchild in the same service moves with its parent', () => {
    const b = sagaSpans();
    b.root({ at: 1000, dur: 100 });
    const root = b.lastSpanId;
    b.action('x', { at: 0, dur: 50, parent: root, service: 'x-svc', spanId: 'c1' });
    b.plain({ at: 10, dur: 5, parent: 'c1', service: 'x-svc' });
    const { spans, parentIndex } = canonicalize(b.build());
    const moved = correctClockSkew(spans, parentIndex).spans;
    const inner = moved.find((s) => s.name === 'db.query')!;
    expect(inner.startMs).toBe(BASE_MS + 1035);
    expect(correctClockSkew(spans, parentIndex).corrections[0]!.spans).toBe(1);
  });

  it('a cycle of parent links does not hang', () => {
    const b = sagaSpans();
    b.action('a', { at: 0, dur: 10, spanId: 'p1', parent: 'p2', service: 's1' });
    b.action('b', { at: 50, dur: 10, spanId: 'p2', parent: 'p1', service: 's2' });
    expect(() => sagaAfter(b.build())).not.toThrow();
  });

  it('arrival order and duplicates do not change the corrected saga; inputs are not mutated', () => {
    const spans = frozen(skewed(checkout(), 'charge-svc', 3000));
    const want = sagaAfter([...spans]);
    const rand = prng(11);
    for (let i = 0; i < 50; i++) expect(sagaAfter(shuffledWithDuplicates(spans, rand))).toEqual(want);
  });
});

describe('clock skew sentence', () => {
  it('says who runs behind or ahead, by how much, and how many spans moved', async () => {
    const { clockSkewSentence } = await import('./format');
    expect(clockSkewSentence({ service: 'payment', relativeTo: 'orchestrator', correctionMs: 5000, spans: 2 }))
      .toBe('"payment" stamps its spans about 5 s behind "orchestrator": 2 spans moved inside their callers before ordering.');
    expect(clockSkewSentence({ service: 'payment', relativeTo: 'orchestrator', correctionMs: -850, spans: 1 }))
      .toMatch(/about 850 ms ahead of "orchestrator": 1 span moved/);
  });
});
