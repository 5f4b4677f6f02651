import { describe, expect, it } from 'vitest';
import { contributionOf, decodeContribution, encodeContribution, factsOf, withSagaLevel, sagaCounts, isCounts, type Contribution } from './contribution';
import { RollupDelta } from './delta';
import { SERIES } from './series';
import { bucketOf } from './histogram';
import { scenario, sagaAfter, sagaAtMs, sagaSpans, BASE_MS, shuffledWithDuplicates, prng } from '../../test/support/saga-fixtures';
import { buildSaga } from '../saga/model';
import { modelConfig } from '../saga/config';
import type { SagaSpan } from '../saga/types';

const minute = Math.floor(BASE_MS / 60_000);
const counts = (c: Contribution, series: number) =>
  c.entries.filter((e) => e[0] === series && isCounts(e)).map((e) => [[e[1], e[2], e[3], e[4]], e.slice(6)]);
const latencyKeys = (c: Contribution) => c.entries.filter((e) => !isCounts(e)).map((e) => e.slice(0, 6));

describe('contribution of one saga', () => {
  it('a compensated saga: one saga in its start minute, its steps, duration and time to consistency', () => {
    const spans = scenario({ failAt: 'charge' });
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    const c = contributionOf(saga, spans);
    expect(c.name).toBe('checkout');
    expect(counts(c, SERIES.saga)).toEqual([[[minute, 'compensated', '', ''], [1, 0, 0, saga.compensationCount]]]);
    const steps = counts(c, SERIES.step).map(([k, v]) => [(k as unknown[]).slice(1, 4).join('/'), v]);
    expect(steps).toEqual(expect.arrayContaining([
      ['reserve-svc/reserve/action', [1, 0, 0, 0]],
      ['charge-svc/charge/action', [1, 1, 0, 0]],
      ['reserve-svc/reserve/compensate', [1, 0, 0, 0]],
    ]));
    const lat = latencyKeys(c);
    expect(lat).toContainEqual([SERIES.sagaDuration, minute, 'compensated', '', '', bucketOf(saga.durationMs)]);
    expect(lat).toContainEqual([SERIES.timeToConsistency, minute, 'compensated', '', '', bucketOf(saga.timeToConsistencyMs!)]);
  });

  it('a running saga counts as running and has no duration yet', () => {
    const spans = scenario({ runningAt: 'charge', coordinator: 'open' });
    const saga = sagaAtMs(spans, BASE_MS + 200);
    expect(saga.status).toBe('running');
    const c = contributionOf(saga, spans);
    expect(counts(c, SERIES.saga)[0]![0]).toEqual([minute, 'running', '', '']);
    expect(c.entries.some((e) => e[0] === SERIES.sagaDuration)).toBe(false);
  });

  it('service graph: entry spans per service, an edge per cross-service parent → child, internal children ignored', () => {
    const b = sagaSpans({ steps: ['reserve', 'charge'] });
    b.root({ at: 0, dur: 100 });
    const root = b.lastSpanId;
    b.call('action', 'reserve', { at: 10, dur: 20 });
    const server = b.lastSpanId;
    b.plain({ at: 12, dur: 5, parent: server, service: 'reserve-svc' }); // same service: not an entry
    b.call('action', 'charge', { at: 40, dur: 20, fail: true });
    const spans = b.build().map((s) => (s.role === 'coordinator' && s.op ? { ...s, parentSpanId: root } : s));
    const c = contributionOf(sagaAfter(spans), spans);
    const services = Object.fromEntries(counts(c, SERIES.service).map(([k, v]) => [(k as unknown[])[1], v]));
    expect(services).toEqual({ orchestrator: [1, 0, 0, 0], 'reserve-svc': [1, 0, 0, 0], 'charge-svc': [1, 1, 0, 0] });
    const edges = counts(c, SERIES.edge).map(([k, v]) => [(k as unknown[]).slice(1, 3).join('->'), v]);
    expect(edges).toEqual([['orchestrator->charge-svc', [1, 1, 0, 0]], ['orchestrator->reserve-svc', [1, 0, 0, 0]]]);
  });

  it("a saga an operator repaired: its own duration, a time to repair instead of a time to consistency, and no trace of sagascope's spans in the graph", () => {
    // a succeeded, b failed, nobody compensated a; three minutes later sagascope compensates it.
    const b = sagaSpans({ steps: ['a', 'b'] });
    b.root({ at: 0, dur: 100 });
    const root = b.lastSpanId;
    b.action('a', { at: 10, parent: root }).action('b', { at: 30, fail: true, parent: root });
    const before = b.build();
    b.compensate('a', { at: 180_000, dur: 30, role: 'coordinator', service: 'sagascope', attempt: 2, trigger: 'manual', traceId: 'c'.repeat(32), spanId: 'e000000000000001' });
    b.compensate('a', { at: 180_005, dur: 20, attempt: 2, traceId: 'c'.repeat(32), parent: 'e000000000000001' });
    const spans = b.build();
    const failed = sagaAfter(before);
    const saga = sagaAfter(spans);
    expect([failed.status, saga.status]).toEqual(['failed', 'compensated']);
    const c = contributionOf(saga, spans);

    const lat = latencyKeys(c);
    expect(lat).toContainEqual([SERIES.sagaDuration, minute, 'compensated', '', '', bucketOf(100)]);
    expect(lat).toContainEqual([SERIES.timeToRepair, minute, 'compensated', '', '', bucketOf(180_025 - 40)]);
    expect(lat.some((k) => k[0] === SERIES.timeToConsistency)).toBe(false);
    // The manual attempt #2 is a call of the step, not one of the saga's retries.
    expect(counts(c, SERIES.saga)).toEqual([[[minute, 'compensated', '', ''], [1, 0, 0, 1]]]);

    // The participant's work in the repair is an entry into its service (three minutes later), without a caller.
    const services = counts(c, SERIES.service).map(([k, v]) => [(k as unknown[])[0], (k as unknown[])[1], v]);
    expect(services).toEqual([
      [minute, 'a-svc', [1, 0, 0, 0]],
      [minute, 'b-svc', [1, 1, 0, 0]],
      [minute, 'orchestrator', [1, 0, 0, 0]],
      [minute + 3, 'a-svc', [1, 0, 0, 0]],
    ]);
    const edges = counts(c, SERIES.edge).map(([k]) => (k as unknown[]).slice(1, 3).join('->'));
    expect(edges).toEqual(['orchestrator->a-svc', 'orchestrator->b-svc']);
    expect(c.entries.some((e) => e.slice(2, 5).includes('sagascope'))).toBe(false);
    const steps = counts(c, SERIES.step).map(([k, v]) => [(k as unknown[]).slice(1, 4).join('/'), v]);
    expect(steps).toContainEqual(['a-svc/a/compensate', [1, 0, 0, 0]]);

    // A timed change recomputes the saga level from the stored facts, time to repair included.
    expect(withSagaLevel(c, factsOf(saga))).toEqual(c);
  });

  it('re-sent spans count once', () => {
    const spans = scenario({ bothSides: true });
    const twice = [...spans, ...spans.map((s) => ({ ...s }))];
    expect(encodeContribution(contributionOf(sagaAfter(twice), twice))).toBe(encodeContribution(contributionOf(sagaAfter(spans), spans)));
  });

  it('encode → decode round trip, including names with quotes and markup', () => {
    const spans = scenario({ failAt: 'ship', bothSides: true }).map((s) => ({ ...s, sagaName: 'a "b" <c>\\' }));
    const c = contributionOf(sagaAfter(spans), spans);
    const back = decodeContribution(encodeContribution(c))!;
    expect(back).toEqual(c);
    expect(decodeContribution(null)).toBeNull();
  });

  it('withSagaLevel changes only the saga-level part (a timed transition)', () => {
    const spans = scenario({ runningAt: 'charge', coordinator: 'open' });
    const saga = sagaAtMs(spans, BASE_MS + 200);
    const c = contributionOf(saga, spans);
    const stuck = withSagaLevel(c, { ...factsOf(saga), status: 'stuck' });
    expect(counts(stuck, SERIES.saga)[0]![0]).toEqual([minute, 'stuck', '', '']);
    expect(counts(stuck, SERIES.step)).toEqual(counts(c, SERIES.step));
    expect(sagaCounts(stuck)).toEqual(sagaCounts(c));
  });
});

describe('delta: rollups equal the sum of current contributions, whatever the arrival order', () => {
  /** Applies a delta to a plain in-memory "table". */
  function apply(table: Map<string, number>, d: RollupDelta): void {
    const { counts: c, latency: l } = d.rows();
    c.series.forEach((s, i) => {
      const k = JSON.stringify(['c', c.name[i], s, c.minute[i], c.k1[i], c.k2[i], c.k3[i]]);
      const v = [c.calls[i], c.errors[i], c.retries[i], c.extra[i]];
      v.forEach((x, j) => table.set(k + j, (table.get(k + j) ?? 0) + x!));
    });
    l.series.forEach((s, i) => {
      const k = JSON.stringify(['l', l.name[i], s, l.minute[i], l.k1[i], l.k2[i], l.k3[i], l.bucket[i]]);
      table.set(k, (table.get(k) ?? 0) + l.count[i]!);
    });
  }
  const nonZero = (t: Map<string, number>) => new Map([...t].filter(([, v]) => v !== 0));

  it('spans of 30 sagas arriving in random batches (with duplicates and late names) end with the same rollups', () => {
    const rand = prng(5);
    const sagas: SagaSpan[][] = [];
    for (let i = 0; i < 30; i++) {
      const spans = scenario({ sagaId: `g${i}`, failAt: i % 3 === 0 ? 'charge' : null, bothSides: i % 2 === 0 })
        .map((s) => ({ ...s, startMs: s.startMs + i * 17_000, endMs: s.endMs + i * 17_000 }))
        // only the root knows the name: earlier batches file the saga under ''
        .map((s) => (s.role === 'coordinator' && s.op === null ? s : { ...s, sagaName: null }));
      sagas.push(spans);
    }
    const cfg = modelConfig({ nowMs: BASE_MS + 10_000_000 });
    const expected = new Map<string, number>();
    const final = new RollupDelta();
    for (const [i, spans] of sagas.entries()) final.change(null, contributionOf(buildSaga(`g${i}`, spans, cfg), spans));
    apply(expected, final);

    const table = new Map<string, number>();
    const stored = new Map<string, string>();
    const arrived = sagas.map(() => [] as SagaSpan[]);
    const queue = shuffledWithDuplicates(sagas.flatMap((spans, i) => spans.map((s) => ({ i, s }))), rand);
    while (queue.length > 0) {
      const batch = queue.splice(0, 1 + Math.floor(rand() * 12));
      const d = new RollupDelta();
      for (const i of new Set(batch.map((b) => b.i))) {
        arrived[i]!.push(...batch.filter((b) => b.i === i).map((b) => b.s));
        const c = contributionOf(buildSaga(`g${i}`, arrived[i]!, cfg), arrived[i]!);
        d.change(decodeContribution(stored.get(`g${i}`) ?? null), c);
        stored.set(`g${i}`, encodeContribution(c));
      }
      apply(table, d);
    }
    expect(nonZero(table)).toEqual(nonZero(expected));
  });

  it('an unchanged saga yields no rows; a changed one only its changed entries', () => {
    const spans = scenario({ failAt: 'charge' });
    const saga = sagaAfter(spans);
    const same = new RollupDelta();
    same.change(contributionOf(saga, spans), contributionOf(saga, spans));
    expect(same.empty).toBe(true);
    const partial = spans.filter((s) => s.op !== 'compensate');
    const before = contributionOf(sagaAtMs(partial, BASE_MS + 80), partial);
    const d = new RollupDelta();
    d.change(before, contributionOf(saga, spans));
    const { counts } = d.rows();
    expect(counts.series.length).toBeGreaterThan(0);
    expect(counts.series.length).toBeLessThan(contributionOf(saga, spans).entries.length);
    expect(counts.k3.filter((op) => op === 'compensate')).toEqual(['compensate']); // the compensation of reserve appeared
  });

  it('a saga that learns its name moves every count from the unnamed row to the name', () => {
    const spans = scenario();
    const unnamed = spans.map((s) => ({ ...s, sagaName: null }));
    const d = new RollupDelta();
    d.change(contributionOf(sagaAfter(unnamed), unnamed), contributionOf(sagaAfter(spans), spans));
    const { counts } = d.rows();
    const byName = (n: string) => counts.name.map((x, i) => (x === n ? counts.calls[i]! : 0)).reduce((a, b) => a + b, 0);
    expect(byName('checkout')).toBe(-byName(''));
    expect(byName('checkout')).toBeGreaterThan(0);
  });
});
