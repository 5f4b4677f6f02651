import { describe, expect, it } from 'vitest';
import { buildStepGraph, type StepRun } from './step-graph';
import type { Op, StepResult } from '../saga/types';
import { sagaAfter, scenario } from '../../test/support/saga-fixtures';

let clock = 1_000;
function run(step: string, index: number, op: Op, result: StepResult = 'success', extra: Partial<StepRun> = {}): StepRun {
  clock += 10;
  return { step, index, op, attempt: 1, result, service: `${step}-svc`, spanId: `span-${clock}`, startMs: clock, manual: false, ...extra };
}

const edgesOf = (g: ReturnType<typeof buildStepGraph>) => g.edges.map((e) => `${e.kind} ${e.source}->${e.target}`);

describe('buildStepGraph', () => {
  const compensated = [
    run('create-order', 1, 'action'),
    run('reserve-inventory', 2, 'action'),
    run('charge-payment', 3, 'action', 'failure'),
    run('reserve-inventory', 2, 'compensate'),
    run('create-order', 1, 'compensate'),
  ];

  it('forward steps in order, compensations as their own nodes, the failed step marked', () => {
    const g = buildStepGraph(compensated, 'charge-payment');
    expect(g.nodes.map((n) => [n.id, n.kind, n.step, n.order, n.result, n.failed])).toEqual([
      ['f0', 'forward', 'create-order', 1, 'success', false],
      ['f1', 'forward', 'reserve-inventory', 2, 'success', false],
      ['f2', 'forward', 'charge-payment', 3, 'failure', true],
      ['c0', 'compensation', 'reserve-inventory', 1, 'success', false],
      ['c1', 'compensation', 'create-order', 2, 'success', false],
    ]);
    expect(edgesOf(g)).toEqual([
      'forward f0->f1',
      'forward f1->f2',
      'compensation f2->c0',
      'compensation c0->c1',
      'undo f1->c0',
      'undo f0->c1',
    ]);
    expect(g.totalNodes).toBe(5);
  });

  it('does not depend on the order of the step list', () => {
    const reference = buildStepGraph(compensated, 'charge-payment');
    expect(buildStepGraph([...compensated].reverse(), 'charge-payment')).toEqual(reference);
    expect(buildStepGraph([compensated[3]!, compensated[0]!, compensated[4]!, compensated[2]!, compensated[1]!], 'charge-payment')).toEqual(reference);
  });

  it('compensation edges follow the order compensations ran, even when out of order', () => {
    const g = buildStepGraph(
      [run('a', 1, 'action'), run('b', 2, 'action'), run('c', 3, 'action', 'failure'), run('a', 1, 'compensate'), run('b', 2, 'compensate')],
      'c',
    );
    const comp = g.nodes.filter((n) => n.kind === 'compensation').map((n) => n.step);
    expect(comp).toEqual(['a', 'b']);
    expect(edgesOf(g)).toContain('compensation f2->c0');
    expect(edgesOf(g)).toContain('compensation c0->c1');
  });

  it('folds retries and TCC phases into one node, keeping the latest result per op', () => {
    const g = buildStepGraph(
      [
        run('pay', 1, 'try', 'failure'),
        run('pay', 1, 'try', 'success', { attempt: 2 }),
        run('pay', 1, 'confirm'),
        run('ship', 2, 'try'),
        run('ship', 2, 'confirm', 'failure'),
      ],
      null,
    );
    expect(g.nodes.map((n) => [n.step, n.ops, n.runs, n.result])).toEqual([
      ['pay', ['try', 'confirm'], 3, 'success'],
      ['ship', ['try', 'confirm'], 2, 'failure'],
    ]);
    expect(g.nodes.some((n) => n.failed)).toBe(false);
  });

  it('marks manual runs and gives a compensation of a step that never ran no undo edge', () => {
    const g = buildStepGraph(
      [run('a', 1, 'action'), run('b', 2, 'action', 'failure'), run('x', 9, 'compensate', 'success', { manual: true }), run('a', 1, 'compensate', 'failure')],
      'b',
    );
    const x = g.nodes.find((n) => n.step === 'x')!;
    expect(x.manual).toBe(true);
    expect(g.edges.filter((e) => e.target === x.id).map((e) => e.kind)).toEqual(['compensation']);
    const aComp = g.nodes.find((n) => n.step === 'a' && n.kind === 'compensation')!;
    expect(aComp.result).toBe('failure');
    expect(aComp.failed).toBe(false);
  });

  it('without a failed step the compensations still chain in run order', () => {
    const g = buildStepGraph([run('a', 1, 'action'), run('b', 2, 'action'), run('b', 2, 'compensate'), run('a', 1, 'compensate')], null);
    expect(edgesOf(g)).toEqual(['forward f0->f1', 'compensation c0->c1', 'undo f1->c0', 'undo f0->c1']);
  });

  it('cuts a huge saga at the node limit and says how many there were', () => {
    const runs = Array.from({ length: 30 }, (_, i) => run(`s${i}`, i + 1, 'action'));
    runs.push(run('s3', 4, 'compensate'));
    const g = buildStepGraph(runs, null, 10);
    expect(g.nodes).toHaveLength(10);
    expect(g.totalNodes).toBe(31);
    for (const e of g.edges) {
      expect(g.nodes.some((n) => n.id === e.source)).toBe(true);
      expect(g.nodes.some((n) => n.id === e.target)).toBe(true);
    }
  });

  it("reads the model's steps as they are (Saga.steps)", () => {
    const saga = sagaAfter(scenario({ failAt: 'ship', compensate: ['charge', 'reserve'] }));
    const g = buildStepGraph(saga.steps, saga.failedStep);
    expect(g.nodes.map((n) => `${n.kind} ${n.step} ${n.result}`)).toEqual([
      'forward reserve success',
      'forward charge success',
      'forward ship failure',
      'compensation charge success',
      'compensation reserve success',
    ]);
    const ship = g.nodes.find((n) => n.step === 'ship')!;
    expect(ship.failed).toBe(true);
    expect(ship.spanId).toBe(saga.steps.find((s) => s.step === 'ship')!.spanId);
  });
});
