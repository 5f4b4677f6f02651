import { describe, expect, it } from 'vitest';
import { buildStepGraph, type StepRun } from './step-graph';
import { layoutStepGraph } from './step-graph-layout';
import type { Op, StepResult } from '../saga/types';

const run = (step: string, index: number, op: Op, startMs: number, result: StepResult = 'success'): StepRun => ({
  step, index, op, attempt: 1, result, service: 'svc', spanId: `${step}-${op}`, startMs, manual: false,
});

describe('layoutStepGraph', () => {
  it('puts forward steps then compensations, in the order they ran, left to right on one line', () => {
    const runs = [run('a', 1, 'action', 1), run('b', 2, 'action', 2), run('c', 3, 'action', 3, 'failure'), run('b', 2, 'compensate', 4), run('a', 1, 'compensate', 5)];
    const v = layoutStepGraph(buildStepGraph(runs, 'c'));
    const xs = v.nodes.map((n) => n.x);
    expect([...xs].sort((p, q) => p - q)).toEqual(xs);
    expect(new Set(v.nodes.map((n) => n.y)).size).toBe(1);
    // Same input in another order: same positions.
    expect(layoutStepGraph(buildStepGraph([...runs].reverse(), 'c'))).toEqual(v);
  });

  it('keeps compensations on the line without a failed step', () => {
    const v = layoutStepGraph(buildStepGraph([run('a', 1, 'action', 1), run('b', 2, 'action', 2), run('b', 2, 'compensate', 3), run('a', 1, 'compensate', 4)], null));
    expect(new Set(v.nodes.map((n) => n.y)).size).toBe(1);
    expect(v.nodes.map((n) => n.id)).toEqual(['f0', 'f1', 'c0', 'c1']);
  });

  it('lays out a saga at the node limit (100 steps + 100 compensations) with every node placed', () => {
    const runs: StepRun[] = [];
    for (let i = 1; i <= 100; i++) runs.push(run(`s${i}`, i, 'action', i, i === 100 ? 'failure' : 'success'));
    for (let i = 99; i >= 1; i--) runs.push(run(`s${i}`, i, 'compensate', 300 - i));
    const v = layoutStepGraph(buildStepGraph(runs, 's100'));
    expect(v.nodes).toHaveLength(199);
    expect(v.nodes.every((n) => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(true);
  });
});
