import { describe, expect, it } from 'vitest';
import type { Op, Protocol, Saga, SagaSpan } from '../saga/types';
import { configAt, lastEnd, sagaAfter, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import { allRows, OUTCOME_OF_RESULT } from '../ui/timeline-columns';
import { decodeTimelineWire, encodeTimelineWire } from '../ui/timeline-wire';
import { decodeChainWire } from '../ui/chain-wire';
import { buildSagaView, type SagaView } from './view';
import { pageTimeline, INLINE_TIMELINE_ROWS, TIMELINE_HEAD_ROWS } from './page-timeline';

function viewOf(spans: readonly SagaSpan[], quietMs = 1000): { saga: Saga; view: SagaView } {
  const saga = sagaAfter(spans, quietMs);
  return { saga, view: buildSagaView(saga, spans, configAt(lastEnd(spans) + quietMs), null) };
}

/** What the timeline must show for a step: the step itself, times to the microsecond. */
function expectedRow(s: Saga['steps'][number]) {
  return {
    id: s.spanId,
    traceId: s.traceId,
    label: s.step,
    op: s.op,
    attempt: s.attempt,
    service: s.service,
    startMs: s.startMs,
    endMs: s.endMs > s.startMs ? s.endMs : s.startMs,
    depth: 0,
    stepIndex: s.index,
    tone: s.compensation ? 'compensation' : 'forward',
    outcome: OUTCOME_OF_RESULT[s.result],
    error: s.error,
    manual: s.manual,
  };
}

/** Through JSON, as the browser gets the page's rows or the timeline route's body. */
function overTheWire(view: SagaView) {
  const { columns, chain } = decodeTimelineWire(JSON.parse(JSON.stringify(encodeTimelineWire(view.rows, view.chain))));
  return { columns, chain: decodeChainWire(chain, columns) };
}

describe('buildSagaView', () => {
  const spans = scenario({ failAt: 'ship', compensate: ['charge', 'reserve'], failCompensation: [] });
  // A failed first compensation attempt of charge, retried: rows with an error and a second attempt.
  const retried = [
    ...spans,
    ...sagaSpans({ steps: ['reserve', 'charge', 'ship'] })
      .compensate('charge', { at: 135, dur: 2, fail: 'timeout', spanId: 'e'.repeat(16) })
      .build(),
  ];
  const { saga, view } = viewOf(retried);

  it('has one row per step, in the model’s order, read straight from Saga.steps', () => {
    expect(view.steps).toBe(saga.steps);
    expect(allRows(view.rows)).toEqual(saga.steps.map(expectedRow));
    expect(view.rows.errors.map(([row]) => saga.steps[row]!.error).sort()).toEqual(['ship failed', 'timeout']);
  });

  it('counts times in whole microseconds from the saga’s start', () => {
    expect(view.rows.t0).toBe(saga.startMs);
    expect(view.rows.startUs.every((us) => Number.isSafeInteger(us) && us >= 0)).toBe(true);
    expect(view.rows.startUs).toEqual(saga.steps.map((s) => Math.round((s.startMs - saga.startMs) * 1000)));
  });

  it('carries the summary with the model’s time to consistency, the laid-out step graph and the step options', () => {
    expect(saga.status).toBe('compensated');
    expect(view.saga).toMatchObject({ id: saga.id, status: 'compensated', failedStep: 'ship', timeToConsistencyMs: saga.timeToConsistencyMs });
    expect(view.saga.timeToConsistencyMs).toBeGreaterThan(0);
    expect(view.stepGraph.nodes.map((n) => `${n.kind} ${n.step}`)).toEqual([
      'forward reserve',
      'forward charge',
      'forward ship',
      'compensation charge',
      'compensation reserve',
    ]);
    expect(view.stepGraph.nodes.every((n, i) => n.x === view.stepGraph.nodes[0]!.x + i * (view.stepGraph.nodes[1]!.x - view.stepGraph.nodes[0]!.x))).toBe(true);
    expect(view.stepOptions).toEqual([
      { name: 'reserve', index: 1 },
      { name: 'charge', index: 2 },
      { name: 'ship', index: 3 },
    ]);
  });

  it('builds the chain with sides as row indices', () => {
    const charge = view.chain.pairs.find((p) => p.step === 'charge')!;
    expect(charge.status).toBe('compensated');
    expect(charge.compensation).toMatchObject({ attempts: 2, successes: 1, failures: 1 });
    // The successful attempt is the one shown.
    const shown = saga.steps[charge.compensation!.row]!;
    expect([shown.op, shown.result, shown.spanId === 'e'.repeat(16)]).toEqual(['compensate', 'success', false]);
    expect(saga.steps[charge.forward!.row]).toMatchObject({ step: 'charge', op: 'action', result: 'success' });
  });

  it('wire round trip: encode → decode gives the rows and the chain', () => {
    const back = overTheWire(view);
    expect(back.columns).toEqual(view.rows);
    expect(allRows(back.columns)).toEqual(saga.steps.map(expectedRow));
    expect(back.chain).toEqual(view.chain);
  });

  it('gives the page all rows and the chain for a small saga, the first screen for a large one', () => {
    const small = pageTimeline(view);
    expect(small.partial).toBe(false);
    expect(small.total).toBe(saga.steps.length);
    expect(small.wire.chain).toBeDefined();

    const b = sagaSpans({ sagaId: 'gid-1' });
    for (let i = 0; i < INLINE_TIMELINE_ROWS + 1; i++) b.action(`s${i}`, { at: i * 2, index: i + 1 });
    const large = viewOf(b.root({ at: 0, dur: (INLINE_TIMELINE_ROWS + 1) * 2 + 10 }).build());
    const page = pageTimeline(large.view);
    expect(page).toMatchObject({ partial: true, total: INLINE_TIMELINE_ROWS + 1 });
    expect(page.wire.chain).toBeUndefined();
    const head = decodeTimelineWire(JSON.parse(JSON.stringify(page.wire))).columns;
    expect(allRows(head)).toEqual(large.saga.steps.slice(0, TIMELINE_HEAD_ROWS).map(expectedRow));
  });
});

/**
 * The chain shows the model's verdict on compensation order (lib/saga/compensation-order.ts, by protocol),
 * not a judgement of its own by step index.
 */
describe('compensation order in the chain', () => {
  const outOfOrder = (view: SagaView) => view.chain.pairs.filter((p) => p.outOfOrder).map((p) => p.step);
  const flaggedByModel = (saga: Saga) => saga.anomalies.filter((a) => a.kind === 'compensation_out_of_order').map((a) => a.step);

  it('sequential saga compensated in forward order: the step the model names', () => {
    const { saga, view } = viewOf(scenario({ failAt: 'ship', compensate: ['reserve', 'charge'] }));
    expect(flaggedByModel(saga)).toEqual(['reserve']);
    expect(outOfOrder(view)).toEqual(['reserve']);
    expect(overTheWire(view).chain.pairs.filter((p) => p.outOfOrder).map((p) => p.step)).toEqual(['reserve']);
  });

  it('only the misplaced step of a longer chain', () => {
    const spans = sagaSpans({ steps: ['a', 'b', 'c'] })
      .action('a', { at: 10 })
      .action('b', { at: 20 })
      .action('c', { at: 30 })
      .action('x', { at: 40, fail: true, index: 4 })
      .compensate('b', { at: 50 })
      .compensate('c', { at: 60 })
      .compensate('a', { at: 70 })
      .build();
    const { saga, view } = viewOf(spans);
    expect(flaggedByModel(saga)).toEqual(['b']);
    expect(outOfOrder(view)).toEqual(['b']);
  });

  it('concurrent saga (overlapping actions) compensated against index order: nothing (step indexes used to flag p)', () => {
    const spans = sagaSpans()
      .action('p', { at: 10, dur: 30, index: 1 })
      .action('q', { at: 20, dur: 30, index: 2 })
      .action('c', { at: 60, fail: true, index: 3 })
      .compensate('p', { at: 80 })
      .compensate('q', { at: 90 })
      .build();
    const { saga, view } = viewOf(spans);
    expect(saga.status).toBe('compensated');
    expect(flaggedByModel(saga)).toEqual([]);
    expect(outOfOrder(view)).toEqual([]);
    // Both still numbered in the order they ran.
    expect(view.chain.pairs.map((p) => [p.step, p.compensationOrder])).toEqual([['p', 1], ['q', 2], ['c', null]]);
  });

  it.each<[Protocol, Op, Op]>([
    ['xa', 'action', 'rollback'],
    ['tcc', 'try', 'cancel'],
  ])('%s: compensations in any order, nothing out of order', (protocol, first, undo) => {
    const spans = sagaSpans({ protocol, steps: ['a', 'b', 'c'] })
      .op(first, 'a', { at: 10 })
      .op(first, 'b', { at: 20 })
      .op(first, 'c', { at: 30, fail: true })
      .op(undo, 'a', { at: 50 })
      .op(undo, 'b', { at: 60 })
      .root({ at: 0, dur: 80 })
      .build();
    const { saga, view } = viewOf(spans);
    expect(flaggedByModel(saga)).toEqual([]);
    expect(view.chain.pairs.filter((p) => p.compensation !== null).map((p) => p.step)).toEqual(['a', 'b']);
    expect(outOfOrder(view)).toEqual([]);
  });
});
