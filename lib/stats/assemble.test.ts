import { describe, expect, it } from 'vitest';
import { assembleStats, assembleTopology } from './assemble';
import { alignRange } from './range';
import { SERIES } from './series';
import { bucketOf, representative } from './histogram';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const range = alignRange(T0, T0 + 10 * 60_000, 5);

describe('assembleStats', () => {
  const stats = assembleStats({
    range,
    name: null,
    sagaCounts: [
      { t: T0, name: 'checkout', status: 'committed', calls: 6, retries: 1 },
      { t: T0, name: 'checkout', status: 'compensated', calls: 3, retries: 0 },
      { t: T0 + 300_000, name: 'checkout', status: 'failed', calls: 1, retries: 2 },
      { t: T0 + 300_000, name: '', status: 'running', calls: 4, retries: 0 },
    ],
    sagaLatency: [
      { t: T0, name: 'checkout', series: SERIES.sagaDuration, bucket: bucketOf(100), count: 9 },
      { t: T0 + 300_000, name: 'checkout', series: SERIES.sagaDuration, bucket: bucketOf(5000), count: 1 },
      { t: T0, name: 'checkout', series: SERIES.timeToConsistency, bucket: bucketOf(40), count: 3 },
      { t: T0, name: 'checkout', series: SERIES.timeToRepair, bucket: bucketOf(180_000), count: 1 },
      { t: T0 + 300_000, name: 'checkout', series: SERIES.timeToRepair, bucket: bucketOf(240_000), count: 1 },
    ],
    stepCounts: [
      { name: 'checkout', service: 'payment', step: 'charge', op: 'action', calls: 10, errors: 4, retries: 2 },
      { name: 'checkout', service: 'order', step: 'create', op: 'action', calls: 10, errors: 0, retries: 0 },
    ],
    stepLatency: [{ name: 'checkout', service: 'payment', step: 'charge', op: 'action', bucket: bucketOf(30), count: 10 }],
    current: { failed: 1, stuck: 0 },
    step: null,
  });

  it('one point per bucket, empty buckets included', () => {
    expect(stats.series.map((p) => p.t)).toEqual(['2026-11-21T10:00:00.000Z', '2026-11-21T10:05:00.000Z']);
    expect(stats.bucket).toBe('5m');
  });

  it('rates: failure = failed / finished, compensation = (compensated + failed) / finished; null with nothing finished', () => {
    expect(stats.totals).toMatchObject({ count: 14, finished: 10, failureRate: 0.1, compensationRate: 0.4, retries: 3 });
    expect(stats.series[0]).toMatchObject({ count: 9, failureRate: 0, compensationRate: 1 / 3 });
    const unnamed = stats.byName.find((n) => n.name === null)!;
    expect(unnamed).toMatchObject({ count: 4, finished: 0, failureRate: null, p95Ms: null });
  });

  it('percentiles from merged histograms', () => {
    expect(stats.totals.p50Ms).toBe(representative(bucketOf(100)));
    expect(stats.totals.p99Ms).toBe(representative(bucketOf(5000)));
    expect(stats.totals.ttcP95Ms).toBe(representative(bucketOf(40)));
  });

  it('time to repair apart from time to consistency: its own percentiles and the number of repaired sagas', () => {
    expect(stats.totals).toMatchObject({ repaired: 2, ttrP50Ms: representative(bucketOf(180_000)), ttrP95Ms: representative(bucketOf(240_000)) });
    expect(stats.totals.ttcP95Ms).toBe(representative(bucketOf(40)));
    expect(stats.series.map((p) => [p.repaired, p.ttrP95Ms])).toEqual([
      [1, representative(bucketOf(180_000))],
      [1, representative(bucketOf(240_000))],
    ]);
    expect(stats.byName.find((n) => n.name === null)).toMatchObject({ repaired: 0, ttrP95Ms: null });
  });

  it('steps sorted by errors, with error rate and percentiles', () => {
    expect(stats.steps[0]).toMatchObject({ step: 'charge', errors: 4, errorRate: 0.4, retries: 2, p95Ms: representative(bucketOf(30)) });
    expect(stats.steps[1]).toMatchObject({ step: 'create', errorRate: 0, p95Ms: null });
  });
});

describe('assembleTopology', () => {
  it('merges rows, adds callers seen only through edges, drops empty rows, sorts', () => {
    const t = assembleTopology(
      { fromMs: T0, toMs: T0 + 60_000, sagaName: null, sagaId: null },
      [{ service: 'payment', calls: 5, errors: 1 }, { service: 'payment', calls: 5, errors: 0 }, { service: 'gone', calls: 0, errors: 0 }],
      [{ source: 'orchestrator', target: 'payment', calls: 10, errors: 1 }],
      [{ source: 'orchestrator', target: 'payment', bucket: bucketOf(20), count: 10 }],
    );
    expect(t.nodes).toEqual([
      { id: 'orchestrator', service: 'orchestrator', calls: 0, errors: 0 },
      { id: 'payment', service: 'payment', calls: 10, errors: 1 },
    ]);
    expect(t.edges).toEqual([{ id: 'orchestrator->payment', source: 'orchestrator', target: 'payment', calls: 10, errors: 1, p50Ms: representative(bucketOf(20)), p95Ms: representative(bucketOf(20)) }]);
  });
});
