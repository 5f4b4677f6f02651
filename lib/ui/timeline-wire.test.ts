import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OPS, SAGA_STATUSES } from '../saga/types';
import { buildChain, type ChainStep } from '../saga-view/chain';
import { allRows, ColumnsBuilder, earliestStart, RESULT_OF_OUTCOME, TIMELINE_OUTCOMES, TIMELINE_TONES, type BarOutcome, type BarTone, type TimelineItem } from './timeline-columns';
import { decodeTimelineWire, encodeTimelineWire } from './timeline-wire';
import { decodeChainWire } from './chain-wire';

/** Rows and chain, decoded as the page does. */
function decodeAll(body: unknown) {
  const { columns, chain } = decodeTimelineWire(body);
  return { columns, chain: chain === null ? null : decodeChainWire(chain, columns) };
}

function columnsOf(rows: readonly TimelineItem[]) {
  const b = new ColumnsBuilder(earliestStart(rows));
  for (const r of rows) b.add(r);
  return b.columns;
}

/** Step rows as the chain reads them (row i = rows[i]). */
const chainSteps = (rows: readonly TimelineItem[]): ChainStep[] =>
  rows.map((r) => ({ step: r.label, index: r.stepIndex, op: r.op!, attempt: r.attempt, result: RESULT_OF_OUTCOME[r.outcome], spanId: r.id, startMs: r.startMs, endMs: r.endMs, manual: r.manual }));

const T0 = Date.parse('2025-01-01T00:00:00Z');
const HOSTILE = [
  '',
  '<img src=x onerror=alert(1)>',
  '"\\\u0000\u2028\u2029',
  '\ud800',
  '\udfff\ud800',
  '😀‮',
  '</script><script>alert(1)</script>',
  '__proto__',
  'a'.repeat(1000),
];

function item(i: number, extra: Partial<TimelineItem> = {}): TimelineItem {
  return {
    id: i.toString(16).padStart(16, '0'),
    traceId: 'a'.repeat(32),
    label: `step-${i >> 1}`,
    op: i % 2 ? 'compensate' : 'action',
    attempt: 1,
    service: 'svc',
    startMs: T0 + i * 1.5,
    endMs: T0 + i * 1.5 + 0.25,
    depth: 0,
    stepIndex: i >> 1,
    tone: i % 2 ? 'compensation' : 'forward',
    outcome: 'ok',
    error: null,
    manual: false,
    ...extra,
  };
}

/** Through JSON, as the browser gets it. */
const overTheWire = (items: TimelineItem[]) => decodeAll(JSON.parse(JSON.stringify(encodeTimelineWire(columnsOf(items)))));

const text = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
const arbItem: fc.Arbitrary<TimelineItem> = fc
  .record({
    id: fc.oneof(fc.constantFrom('0123456789abcdef', 'fedcba9876543210'), text),
    traceId: text,
    label: text,
    op: fc.option(fc.constantFrom(...OPS), { nil: null }),
    attempt: fc.nat(5),
    service: text,
    // Microsecond times, as the columns keep them; up to ~30 years apart, in either order.
    startUs: fc.integer({ min: 0, max: 1e15 }),
    durUs: fc.integer({ min: 0, max: 1e12 }),
    depth: fc.nat(6),
    stepIndex: fc.integer({ min: -1, max: 40 }),
    tone: fc.constantFrom<BarTone>(...TIMELINE_TONES),
    outcome: fc.constantFrom<BarOutcome>(...TIMELINE_OUTCOMES),
    error: fc.option(text, { nil: null }),
    manual: fc.boolean(),
  })
  .map(({ startUs, durUs, ...r }) => ({ ...r, startMs: T0 + startUs / 1000, endMs: T0 + startUs / 1000 + durUs / 1000 }));

/** Steps only (an op and a step index), as a saga's rows are. */
const arbStep: fc.Arbitrary<TimelineItem> = fc
  .tuple(arbItem, fc.constantFrom(...OPS))
  .map(([r, op]) => ({ ...r, op: r.op ?? op, stepIndex: Math.max(0, r.stepIndex), depth: 0 }));

describe('encodeTimelineWire / decodeTimelineWire', () => {
  it('round-trips columns, hostile strings included: decoding gives the rows written', () => {
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 60 }), (items) => {
        const columns = columnsOf(items);
        const { columns: back, chain } = overTheWire(items);
        expect(back).toEqual(columns);
        expect(allRows(back)).toEqual(allRows(columns));
        expect(chain).toBeNull();
      }),
    );
  });

  it('round-trips rows whose ids differ in length, and rows with the same id', () => {
    const items = [item(0, { id: HOSTILE[1] }), item(1, { id: '' }), item(2, { id: HOSTILE[5] }), item(3, { id: HOSTILE[1] }), item(4)];
    expect(allRows(overTheWire(items).columns)).toEqual(items);
  });

  it('is much smaller than the plain columns for a large saga', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => item(i, { startMs: T0 + i * 1.713, endMs: T0 + i * 1.713 + 0.4 + (i % 7) * 0.011 }));
    const plain = JSON.stringify(columnsOf(items)).length;
    const wire = JSON.stringify(encodeTimelineWire(columnsOf(items))).length;
    // Span ids (16 of every ~35 bytes left) stay as they are.
    expect(wire / plain).toBeLessThan(0.6);
  });

  it('carries the compensation chain pointing into the same rows', () => {
    fc.assert(
      fc.property(
        fc.array(arbStep, { maxLength: 60 }),
        fc.constantFrom(...SAGA_STATUSES),
        fc.array(fc.nat(59), { maxLength: 3 }),
        (items, status, early) => {
          const steps = chainSteps(items);
          // The model's out-of-order verdicts, on some of the compensations.
          const anomalies = early
            .filter((i) => i < steps.length)
            .map((i) => ({ kind: 'compensation_out_of_order' as const, severity: 'warning' as const, step: steps[i]!.step, message: '', spanIds: [steps[i]!.spanId] }));
          const chain = buildChain(steps, status, anomalies);
          const body = JSON.parse(JSON.stringify(encodeTimelineWire(columnsOf(items), chain)));
          expect(decodeAll(body).chain).toEqual(chain);
        },
      ),
    );
  });

  it('carries a real-looking chain: retries, failures, a repair, a step compensated too early', () => {
    const items = [
      item(0, { label: 'reserve', stepIndex: 0 }),
      item(2, { label: 'charge', stepIndex: 1, outcome: 'failed', error: 'card declined' }),
      item(4, { label: 'charge', stepIndex: 1, attempt: 2, manual: true }),
      item(6, { label: 'ship', stepIndex: 2, outcome: 'failed' }),
      item(1, { label: 'reserve', stepIndex: 0, startMs: T0 + 20, endMs: T0 + 21 }),
      item(3, { label: 'charge', stepIndex: 1, startMs: T0 + 30, endMs: T0 + 31 }),
    ];
    const steps = chainSteps(items);
    const chain = buildChain(steps, 'compensated', [{ kind: 'compensation_out_of_order', severity: 'warning', step: 'reserve', message: '', spanIds: [items[4]!.id, items[5]!.id] }]);
    expect(chain.pairs.some((p) => p.outOfOrder)).toBe(true);
    expect(decodeAll(JSON.parse(JSON.stringify(encodeTimelineWire(columnsOf(items), chain)))).chain).toEqual(chain);
  });

  const good = () => {
    const items = [item(0), item(1, { outcome: 'failed', error: 'x' }), item(2, { manual: true }), item(3)];
    return JSON.parse(JSON.stringify(encodeTimelineWire(columnsOf(items), buildChain(chainSteps(items), 'compensated', []))));
  };

  it('accepts its own output', () => {
    expect(() => decodeAll(good())).not.toThrow();
  });

  it.each([
    ['another version', (w: Record<string, any>) => (w.v = 1)],
    ['a row count that does not fit the ids', (w: Record<string, any>) => (w.n = 5)],
    ['an id missing', (w: Record<string, any>) => w.id.pop()],
    ['a non-string id', (w: Record<string, any>) => (w.id[1] = 7)],
    ['a string index out of range', (w: Record<string, any>) => (w.label = [0, 0, 0, 0, 99])],
    ['an unknown op', (w: Record<string, any>) => (w.op = [2, 42, 4])],
    ['markup where a number belongs', (w: Record<string, any>) => (w.tone = [0, '<img src=x onerror=alert(1)>', 0, 0, 0])],
    ['a manual row out of range', (w: Record<string, any>) => w.manual.push(4)],
    ['an error entry out of range', (w: Record<string, any>) => w.errors.push([0, 99])],
    ['a non-string in the string table', (w: Record<string, any>) => w.strings.push(7)],
    ['a bad t0', (w: Record<string, any>) => (w.t0 = 'now')],
    ['a negative duration', (w: Record<string, any>) => (w.durationUs = [2, -5, 4])],
    ['a chain row out of range', (w: Record<string, any>) => (w.chain.fRow = [0, 4, 2])],
    ['a chain side on a row that is not a step', (w: Record<string, any>) => ((w.stepIndex = [2, -1, 4]), (w.chain.fRow = [0, 0, 2]))],
    ['a chain pair without sides', (w: Record<string, any>) => ((w.chain.fRow = [2, -1, 2]), (w.chain.cRow = [2, -1, 2]))],
    ['an unknown pair status', (w: Record<string, any>) => (w.chain.status = [2, 99, 2])],
    ['a chain of the wrong length', (w: Record<string, any>) => (w.chain.pairs = 3)],
  ])('refuses %s', (_, damage) => {
    const w = good();
    damage(w);
    expect(() => decodeAll(w)).toThrow();
  });
});
