import { describe, it, expect } from 'vitest';
import { ANOMALY_KINDS } from '../lib/saga/types';
import { DEFAULT_SCENARIO_WEIGHTS } from './config';
import { EXPECTED, FLOWS, SCENARIOS, SCENARIOS_BY_FLOW, pickScenario, pickWeighted, seededRandom, showcaseSequence } from './scenarios';

describe('scenarios', () => {
  it('between them, show every status and every anomaly kind the spans alone can show', () => {
    const statuses = new Set(Object.values(EXPECTED).map((e) => e.status));
    expect([...statuses].sort()).toEqual(['committed', 'compensated', 'failed', 'stuck']);
    const kinds = new Set(Object.values(EXPECTED).flatMap((e) => e.anomalies));
    // coordinator_divergence needs the coordinator's own store (lib/dtm), which span scenarios do not have.
    expect([...kinds].sort()).toEqual(ANOMALY_KINDS.filter((k) => k !== 'coordinator_divergence').sort());
  });

  it('each apply to at least one flow, and every flow can be healthy', () => {
    for (const s of SCENARIOS) expect(FLOWS.some((f) => SCENARIOS_BY_FLOW[f].includes(s))).toBe(true);
    for (const f of FLOWS) expect(SCENARIOS_BY_FLOW[f]).toContain('healthy');
  });

  it('are drawn by their weights, only among those of the flow', () => {
    const rand = seededRandom(1);
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const s = pickScenario(rand, 'checkout', DEFAULT_SCENARIO_WEIGHTS);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.has('compensation_retried')).toBe(false); // a refund-only scenario
    for (const s of SCENARIOS_BY_FLOW.checkout) {
      if (s === 'healthy' || DEFAULT_SCENARIO_WEIGHTS[s] === 0) continue;
      expect((counts.get(s) ?? 0) / n).toBeCloseTo(DEFAULT_SCENARIO_WEIGHTS[s], 1);
    }
    expect((counts.get('healthy') ?? 0) / n).toBeGreaterThan(0.75);
  });

  it('scale weights that sum past 1 instead of starving the last ones', () => {
    const all = Object.fromEntries(SCENARIOS.map((s) => [s, 1])) as Record<(typeof SCENARIOS)[number], number>;
    const rand = seededRandom(2);
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) seen.add(pickScenario(rand, 'refund', all));
    expect([...seen].sort()).toEqual(['action_fails', 'compensation_retried']);
  });

  it('pickWeighted falls back when every weight is 0', () => {
    expect(pickWeighted<'a' | 'b'>(seededRandom(3), { a: 0, b: 0 }, 'b')).toBe('b');
    expect(pickWeighted<'a' | 'b'>(() => 0.99, { a: 1, b: 1 }, 'a')).toBe('b');
  });

  it('seededRandom is reproducible and in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('the showcase runs every (flow, scenario) once, a committed checkout and the stall first', () => {
    const seq = showcaseSequence();
    expect(seq.slice(0, 2)).toEqual([{ flow: 'checkout', scenario: 'healthy' }, { flow: 'checkout', scenario: 'stalled' }]);
    const pairs = seq.map((p) => `${p.flow}/${p.scenario}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.length).toBe(FLOWS.reduce((n, f) => n + SCENARIOS_BY_FLOW[f].length, 0));
    // Refunds come after checkouts (they need a committed order).
    expect(pairs.findIndex((p) => p.startsWith('refund/'))).toBeGreaterThan(pairs.lastIndexOf('checkout/hanging_action'));
  });
});
