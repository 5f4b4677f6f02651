/**
 * Property tests: arrival order and re-sent spans never change the saga, and the
 * input is never mutated. Seeded PRNG, so a failure reproduces; the seed and run
 * are in the assertion message.
 */
import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { BASE_MS, frozen, lastEnd, prng, sagaSpans, scenario, shuffledWithDuplicates } from '../../test/support/saga-fixtures';
import { modelConfig } from './config';
import { FORWARD_OPS } from './ops';
import { COMPENSATION_OPS, type Op, type ResultOverride, type Role, type SagaSpan } from './types';

const RUNS = 200;

const FIXTURES: Array<[string, SagaSpan[]]> = [
  ['saga committed', scenario()],
  ['saga compensated', scenario({ failAt: 'ship' })],
  ['saga failed', scenario({ failAt: 'ship', compensate: ['reserve'] })],
  ['saga compensating', scenario({ failAt: 'ship', compensate: ['charge'], coordinator: 'open' })],
  ['saga out of order', scenario({ failAt: 'ship', compensate: ['reserve', 'charge'] })],
  ['saga both sides', scenario({ bothSides: true, failAt: 'charge' })],
  ['saga running', scenario({ runningAt: 'charge' })],
  ['orphan', scenario({ coordinator: 'none', failAt: 'ship', failCompensation: ['reserve'] })],
  ['tcc committed', scenario({ protocol: 'tcc' })],
  ['tcc compensated', scenario({ protocol: 'tcc', failAt: 'ship' })],
  ['tcc both sides failed', scenario({ protocol: 'tcc', bothSides: true, failAt: 'ship', compensate: [] })],
  ['zero-code saga', scenario({ zeroCode: true, failAt: 'ship', compensate: ['ship', 'charge', 'reserve'] })],
  ['zero-code tcc', scenario({ zeroCode: true, protocol: 'tcc' })],
  [
    'ties, retries, hanging, null compensation, duplicates',
    sagaSpans({ steps: ['a', 'b', 'c'] })
      .root({ at: 0, dur: 500 })
      .action('a', { at: 10, fail: true })
      .action('a', { at: 10, fail: true })
      .action('a', { at: 10 })
      .action('a', { at: 10 })
      .action('b', { at: 10, fail: true })
      .compensate('c', { at: 20, result: 'skipped' })
      .compensate('a', { at: 20 })
      .compensate('b', { at: 20 })
      .action('b', { at: 30, result: 'rejected' })
      .plain({ at: 10, service: 'db' })
      .build(),
  ],
  ['retry storm', Array.from({ length: 8 }, (_, i) => i).reduce((b, i) => b.action('a', { at: i * 10, fail: i < 7 }), sagaSpans({ steps: ['a'] })).build()],
];

describe('any arrival order, with duplicates, gives a deep-equal saga', () => {
  it.each(FIXTURES)('%s', (_name, spans) => {
    const rand = prng(12345);
    const cfg = modelConfig({ nowMs: lastEnd(spans) + 1000 });
    const expected = buildSaga('g', spans, cfg);
    for (let run = 0; run < RUNS; run++) {
      const input = shuffledWithDuplicates(spans, rand);
      expect(buildSaga('g', input, cfg), `run ${run}`).toStrictEqual(expected);
    }
  });

  it(`random sagas (${RUNS} of them, 5 orders each, random instants)`, () => {
    const rand = prng(2024);
    for (let run = 0; run < RUNS; run++) {
      const spans = randomSaga(rand);
      const cfg = modelConfig({
        nowMs: BASE_MS + Math.floor(rand() * 400_000),
        stuckAfterMs: pick(rand, [300_000, 100, 50_000]),
        failedGraceMs: pick(rand, [60_000, 0, 200]),
        maxAttempts: pick(rand, [5, 1, 2]),
      });
      const expected = buildSaga('g', spans, cfg);
      for (let k = 0; k < 5; k++) {
        const input = shuffledWithDuplicates(spans, rand);
        expect(buildSaga('g', input, cfg), `run ${run}.${k}`).toStrictEqual(expected);
      }
    }
  });

  it('differing copies of one span: the earliest received wins, whatever the order', () => {
    const [span] = sagaSpans({ steps: ['a'] }).action('a', { at: 0 }).build();
    const first = { ...span, receivedMs: BASE_MS + 100 };
    const resent = { ...span, receivedMs: BASE_MS + 900, statusCode: 2 };
    const noReceipt = { ...span, statusMessage: 'x' };
    const cfg = modelConfig({ nowMs: BASE_MS + 1000 });
    const a = buildSaga('g', [first, resent, noReceipt], cfg);
    const b = buildSaga('g', [noReceipt, resent, first], cfg);
    expect(a).toStrictEqual(b);
    expect(a.lastActivityMs).toBe(BASE_MS + 100);
    expect(a.steps[0].result).toBe('success');
    // Without receipt times, content decides, not order.
    expect(buildSaga('g', [span, noReceipt], cfg)).toStrictEqual(buildSaga('g', [noReceipt, span], cfg));
  });
});

describe('inputs are never mutated', () => {
  it.each(FIXTURES)('%s', (_name, spans) => {
    const input = frozen(spans);
    const snapshot = structuredClone(input);
    expect(() => buildSaga('g', input, modelConfig({ nowMs: BASE_MS + 10_000_000 }))).not.toThrow();
    expect(input).toStrictEqual(snapshot);
  });

  it('random sagas', () => {
    const rand = prng(99);
    for (let run = 0; run < RUNS; run++) {
      const input = Object.freeze(frozen(randomSaga(rand)) as SagaSpan[]);
      const snapshot = structuredClone(input);
      buildSaga('g', input, modelConfig({ nowMs: BASE_MS + 1000 }));
      expect(input).toStrictEqual(snapshot);
    }
  });

  it('the result shares no arrays with the input', () => {
    const spans = scenario();
    const saga = buildSaga('g', spans, modelConfig({ nowMs: BASE_MS }));
    saga.steps.length = 0;
    expect(buildSaga('g', spans, modelConfig({ nowMs: BASE_MS })).steps).toHaveLength(3);
  });
});

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Small messy sagas: ties in time, shared span ids across traces, cycles, every field. */
function randomSaga(rand: () => number): SagaSpan[] {
  const traces = ['a'.repeat(32), 'b'.repeat(32)];
  const n = 1 + Math.floor(rand() * 25);
  const ids = Array.from({ length: n }, () => (1 + Math.floor(rand() * 40)).toString(16).padStart(16, '0'));
  const keys = ['k1', 'k2', 'k3', 'k4'];
  // Half the sagas never compensate, so that every status shows up.
  const compensationRate = rand() < 0.5 ? 0 : 0.4;
  const spans: SagaSpan[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rand();
    const op: Op | null =
      kind < 0.25 ? null : rand() < compensationRate ? pick(rand, COMPENSATION_OPS) : pick(rand, FORWARD_OPS);
    const key = pick(rand, keys);
    const byBranch = rand() < 0.3;
    const startMs = BASE_MS + Math.floor(rand() * 100);
    const running = rand() < 0.05;
    spans.push({
      traceId: pick(rand, traces),
      spanId: ids[i],
      parentSpanId: rand() < 0.5 ? pick(rand, ids) : null,
      service: pick(rand, ['s1', 's2', 's3']),
      name: 'n',
      startMs,
      endMs: running ? 0 : startMs + Math.floor(rand() * 50),
      statusCode: rand() < 0.2 ? 2 : pick(rand, [0, 1]),
      statusMessage: pick(rand, [null, 'boom', 'bang']),
      sagaId: 'g',
      sagaName: pick(rand, [null, 'x', 'y']),
      protocol: pick(rand, [null, 'saga', 'tcc', 'xa', 'msg', 'workflow']),
      role: pick<Role | null>(rand, [null, 'participant', 'coordinator']),
      step: rand() < 0.9 ? (byBranch ? `/api/${key}` : key) : null,
      stepIndex: rand() < 0.3 ? Math.floor(rand() * 4) : null,
      branchId: byBranch ? `0${keys.indexOf(key) + 1}` : null,
      op,
      attempt: rand() < 0.4 ? 1 + Math.floor(rand() * 3) : null,
      result: rand() < 0.7 ? null : pick<ResultOverride>(rand, ['success', 'failure', 'skipped', 'rejected', 'transient', 'ongoing']),
      actionUrl: null,
      compensateUrl: null,
      idempotencyKey: null,
      trigger: rand() < 0.1 ? 'manual' : null,
      zeroCode: rand() < 0.1,
      ...(rand() < 0.2 ? { receivedMs: startMs + Math.floor(rand() * 1000) } : {}),
    });
  }
  return spans;
}
