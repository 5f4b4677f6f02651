import { describe, expect, it } from 'vitest';
import type { Anomaly, Op, StepResult } from '../saga/types';
import { buildChain, expectsCompensation, type ChainSide, type ChainStep } from './chain';

let seq = 0;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

function step(stepName: string, index: number, op: Op, result: StepResult, atMs: number, opts: Partial<ChainStep> = {}): ChainStep {
  seq++;
  return {
    step: stepName,
    index,
    op,
    attempt: 1,
    result,
    startMs: T0 + atMs,
    endMs: T0 + atMs + 10,
    spanId: seq.toString(16).padStart(16, '0'),
    manual: false,
    ...opts,
  };
}

/** A side as the page shows it: the step of its row, with the op's tally. */
const shown = (steps: readonly ChainStep[], side: ChainSide | null) => (side ? { ...steps[side.row]!, ...side } : null);

const buildCompensationChain = (steps: readonly ChainStep[], status: Parameters<typeof buildChain>[1], anomalies: Anomaly[] = []) => buildChain(steps, status, anomalies);

function outOfOrder(step: string, early: ChainStep, late: ChainStep): Anomaly {
  return { kind: 'compensation_out_of_order', severity: 'warning', step, message: '…', spanIds: [early.spanId, late.spanId] };
}

describe('buildChain', () => {
  it('pairs each forward step with its compensation in step-index order', () => {
    const steps = [
      step('reserve', 1, 'action', 'success', 0),
      step('charge', 2, 'action', 'success', 100),
      step('ship', 3, 'action', 'failure', 200),
      step('charge', 2, 'compensate', 'success', 300),
      step('reserve', 1, 'compensate', 'success', 400),
    ];
    const chain = buildCompensationChain(steps, 'compensated');
    expect(chain.pairs.map((p) => [p.step, p.status])).toEqual([
      ['reserve', 'compensated'],
      ['charge', 'compensated'],
      ['ship', 'forward_failed'],
    ]);
    expect(chain.gapCount).toBe(0);
    expect(chain.compensatedCount).toBe(2);
    expect(chain.expectCompensation).toBe(true);
    // reverse order: charge (index 2) compensated first
    expect(chain.pairs[1].compensationOrder).toBe(1);
    expect(chain.pairs[0].compensationOrder).toBe(2);
    expect(chain.pairs.some((p) => p.outOfOrder)).toBe(false);
  });

  it('orders by index even when steps arrive in another order', () => {
    const steps = [
      step('c', 3, 'action', 'success', 20),
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'success', 10),
    ];
    expect(buildCompensationChain(steps, 'committed').pairs.map((p) => p.step)).toEqual(['a', 'b', 'c']);
  });

  it('does not flag missing compensations when the saga committed', () => {
    const steps = [step('a', 1, 'action', 'success', 0), step('b', 2, 'action', 'success', 10)];
    const chain = buildCompensationChain(steps, 'committed');
    expect(chain.pairs.every((p) => p.status === 'not_needed' && !p.gap)).toBe(true);
    expect(chain.expectCompensation).toBe(false);
  });

  it('marks a succeeded step without compensation as missing when the saga failed', () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'success', 10),
      step('c', 3, 'action', 'failure', 20),
      step('b', 2, 'compensate', 'success', 30),
    ];
    const chain = buildCompensationChain(steps, 'failed');
    const a = chain.pairs.find((p) => p.step === 'a')!;
    expect(a.status).toBe('missing');
    expect(a.gap).toBe(true);
    expect(chain.gapCount).toBe(1);
  });

  it('marks not-yet-compensated steps as pending while compensating', () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'failure', 10),
    ];
    const chain = buildCompensationChain(steps, 'compensating');
    expect(chain.pairs[0].status).toBe('pending');
    expect(chain.pairs[0].gap).toBe(true);
  });

  it('reports failed compensation attempts, and a later success clears the gap', () => {
    const failedOnly = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'failure', 10),
      step('a', 1, 'compensate', 'failure', 20),
      step('a', 1, 'compensate', 'failure', 40, { attempt: 2 }),
    ];
    const c1 = buildCompensationChain(failedOnly, 'compensating');
    expect(c1.pairs[0].status).toBe('compensation_failed');
    expect(c1.pairs[0].compensation).toMatchObject({ attempts: 2, failures: 2, successes: 0 });
    // the latest attempt is the one shown
    expect(c1.pairs[0].compensation!.row).toBe(3);
    expect(shown(failedOnly, c1.pairs[0].compensation)!.spanId).toBe(failedOnly[3].spanId);

    const recovered = [...failedOnly, step('a', 1, 'compensate', 'success', 60, { attempt: 3 })];
    const c2 = buildCompensationChain(recovered, 'compensated');
    expect(c2.pairs[0].status).toBe('compensated');
    expect(c2.pairs[0].gap).toBe(false);
    expect(shown(recovered, c2.pairs[0].compensation)).toMatchObject({ attempts: 3, failures: 2, successes: 1, result: 'success' });
  });

  it('uses the succeeded attempt of a retried forward step', () => {
    const steps = [
      step('a', 1, 'action', 'failure', 0),
      step('a', 1, 'action', 'success', 50, { attempt: 2 }),
    ];
    const chain = buildCompensationChain(steps, 'committed');
    expect(chain.pairs).toHaveLength(1);
    expect(chain.pairs[0].forward).toEqual({ row: 1, attempts: 2, successes: 1, failures: 1 });
    expect(shown(steps, chain.pairs[0].forward)!.spanId).toBe(steps[1].spanId);
    expect(chain.pairs[0].status).toBe('not_needed');
  });

  it('treats a skipped compensation of a succeeded step as not compensated', () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'failure', 10),
      step('a', 1, 'compensate', 'skipped', 20),
    ];
    expect(buildCompensationChain(steps, 'failed').pairs[0].status).toBe('missing');
  });

  it('shows compensations of steps whose action never ran as null compensations', () => {
    const steps = [step('a', 1, 'action', 'failure', 0), step('z', 9, 'compensate', 'skipped', 10)];
    const chain = buildCompensationChain(steps, 'compensated');
    expect(chain.pairs.map((p) => p.status)).toEqual(['forward_failed', 'null_compensation']);
    expect(chain.gapCount).toBe(0);
  });

  it("marks out of order the step the model found compensated too early (the anomaly's first evidence span), and only it", () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'success', 10),
      step('c', 3, 'action', 'success', 20),
      step('d', 4, 'action', 'failure', 30),
      step('a', 1, 'compensate', 'success', 40),
      step('c', 3, 'compensate', 'success', 50),
      step('b', 2, 'compensate', 'success', 60),
    ];
    const chain = buildCompensationChain(steps, 'compensated', [outOfOrder('a', steps[4]!, steps[6]!)]);
    const byStep = Object.fromEntries(chain.pairs.map((p) => [p.step, p]));
    expect(byStep.a.outOfOrder).toBe(true);
    expect(byStep.b.outOfOrder).toBe(false);
    expect(byStep.c.outOfOrder).toBe(false);
    expect([byStep.a.compensationOrder, byStep.c.compensationOrder, byStep.b.compensationOrder]).toEqual([1, 2, 3]);
  });

  it('judges no order itself: compensations against step-index order are not marked without the anomaly (a concurrent saga, TCC, XA)', () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'success', 0),
      step('c', 3, 'action', 'failure', 20),
      step('a', 1, 'compensate', 'success', 40),
      step('b', 2, 'compensate', 'success', 60),
    ];
    const chain = buildCompensationChain(steps, 'compensated');
    expect(chain.pairs.some((p) => p.outOfOrder)).toBe(false);
    expect(chain.pairs.map((p) => [p.step, p.compensationOrder])).toEqual([['a', 1], ['b', 2], ['c', null]]);
  });

  it('ignores an anomaly whose evidence is not one of the step\'s compensations', () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'failure', 10),
      step('a', 1, 'compensate', 'success', 20),
    ];
    // Names step a but points at its forward op's span.
    expect(buildCompensationChain(steps, 'compensated', [outOfOrder('a', steps[0]!, steps[2]!)]).pairs[0]!.outOfOrder).toBe(false);
    expect(buildCompensationChain(steps, 'compensated', [outOfOrder('a', steps[2]!, steps[0]!)]).pairs[0]!.outOfOrder).toBe(true);
  });

  it("numbers an operator's repair in the order things ran, and marks nothing the model did not", () => {
    const steps = [
      step('a', 1, 'action', 'success', 0),
      step('b', 2, 'action', 'success', 10),
      step('c', 3, 'action', 'success', 20),
      step('d', 4, 'action', 'failure', 30),
      step('c', 3, 'compensate', 'success', 40),
      step('b', 2, 'compensate', 'failure', 50),
      step('a', 1, 'compensate', 'success', 60),
      step('b', 2, 'compensate', 'success', 180_000, { attempt: 2, manual: true }),
    ];
    const chain = buildCompensationChain(steps, 'compensated');
    const byStep = Object.fromEntries(chain.pairs.map((p) => [p.step, p]));
    expect(chain.pairs.some((p) => p.outOfOrder)).toBe(false);
    expect(shown(steps, byStep.b.compensation)).toMatchObject({ manual: true, result: 'success' });
    // Still numbered in the order things ran.
    expect([byStep.c.compensationOrder, byStep.a.compensationOrder, byStep.b.compensationOrder]).toEqual([1, 2, 3]);
  });

  it('pairs TCC try with cancel and ignores confirm', () => {
    const steps = [
      step('hold', 1, 'try', 'success', 0),
      step('debit', 2, 'try', 'failure', 10),
      step('hold', 1, 'cancel', 'success', 20),
    ];
    const chain = buildCompensationChain(steps, 'compensated');
    expect(chain.pairs[0]!.status).toBe('compensated');
    expect(shown(steps, chain.pairs[0]!.forward)!.op).toBe('try');
    expect(shown(steps, chain.pairs[0]!.compensation)!.op).toBe('cancel');

    const committed = [step('hold', 1, 'try', 'success', 0), step('hold', 1, 'confirm', 'success', 10)];
    const c2 = buildCompensationChain(committed, 'committed');
    expect(c2.pairs).toHaveLength(1);
    expect(shown(committed, c2.pairs[0]!.forward)!.op).toBe('try');
  });

  it('keeps two branches with the same name apart by index', () => {
    const steps = [
      step('/api/transfer', 1, 'action', 'success', 0),
      step('/api/transfer', 2, 'action', 'failure', 10),
      step('/api/transfer', 1, 'compensate', 'success', 20),
    ];
    const chain = buildCompensationChain(steps, 'compensated');
    expect(chain.pairs.map((p) => [p.index, p.status])).toEqual([
      [1, 'compensated'],
      [2, 'forward_failed'],
    ]);
  });

  it('handles a running forward step and an empty saga', () => {
    expect(buildCompensationChain([step('a', 1, 'action', 'running', 0)], 'running').pairs[0].status).toBe('forward_running');
    expect(buildCompensationChain([], 'running')).toEqual({ pairs: [], expectCompensation: false, gapCount: 0, compensatedCount: 0 });
  });
});

describe('expectsCompensation', () => {
  it('expects compensation for a stuck saga only after an unrecovered forward failure', () => {
    const retried = [step('a', 1, 'action', 'failure', 0), step('a', 1, 'action', 'success', 5, { attempt: 2 })];
    expect(expectsCompensation('stuck', retried)).toBe(false);
    const failed = [step('a', 1, 'action', 'failure', 0)];
    expect(expectsCompensation('stuck', failed)).toBe(true);
    expect(expectsCompensation('running', failed)).toBe(false);
  });
});
