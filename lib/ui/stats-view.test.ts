import { describe, expect, it } from 'vitest';
import { resolveStatsView } from './stats-view';

const now = Date.UTC(2026, 10, 21, 10, 7, 30);

describe('an analyze page URL resolved for one render', () => {
  it('a relative range: widened to whole buckets, auto bucket', () => {
    const v = resolveStatsView({ range: '6h', refresh: '5' }, now);
    expect(v.parsed.ok).toBe(true);
    expect(v.state.refresh).toBe('5');
    expect(v.resolved).toEqual({ fromIso: '2026-11-21T04:05:00.000Z', toIso: '2026-11-21T10:10:00.000Z', bucket: '5m', autoBucket: '5m' });
  });

  it('a chosen bucket is used and the automatic one still reported', () => {
    const v = resolveStatsView({ range: '1h', bucket: '10m' }, now);
    expect(v.resolved).toMatchObject({ bucket: '10m', autoBucket: '1m' });
  });

  it('the default is the last hour', () => {
    expect(resolveStatsView({}, now).resolved).toMatchObject({ fromIso: '2026-11-21T09:07:00.000Z', toIso: '2026-11-21T10:08:00.000Z', bucket: '1m' });
  });

  it('a bad URL yields the message and no range', () => {
    for (const raw of [{ range: '2y' }, { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { range: '30d', bucket: '1m' }, { service: 'a' }]) {
      const v = resolveStatsView(raw, now);
      expect(v.parsed.ok, JSON.stringify(raw)).toBe(false);
      expect(v.resolved).toBeNull();
    }
  });

  it('a parameter of no analyze page (a tracker, another page) changes nothing', () => {
    const plain = resolveStatsView({ range: '6h', name: 'checkout' }, now);
    expect(resolveStatsView({ range: '6h', name: 'checkout', utm_source: 'slack', sort: 'x' }, now)).toEqual(plain);
    expect(plain.parsed.ok).toBe(true);
  });
});
