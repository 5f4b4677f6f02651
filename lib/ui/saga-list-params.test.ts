import { describe, expect, it } from 'vitest';
import { parseSagaListQuery } from '../api/query';
import { describeFilters, resolveListPageParams, sagaListHref } from './saga-list-params';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');

describe('resolveListPageParams', () => {
  it('separates view-only parameters from the API query', () => {
    const r = resolveListPageParams({ status: 'failed', refresh: '5', name: '', service: ['a', 'b'] }, NOW);
    expect(r.apiParams).toEqual({ status: 'failed', service: 'a' });
    expect(r.refresh).toBe(5);
    expect(r.range).toBeNull();
    expect(r.error).toBeNull();
    expect(parseSagaListQuery(r.apiParams).ok).toBe(true);
  });

  it('turns a preset into an absolute from, replacing explicit bounds', () => {
    const r = resolveListPageParams({ range: '1h', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }, NOW);
    expect(r.range).toBe('1h');
    expect(r.apiParams).toEqual({ from: '2025-06-01T11:00:00.000Z' });
  });

  it('reports an unknown preset', () => {
    const r = resolveListPageParams({ range: '3w' }, NOW);
    expect(r.error).toMatch(/range: must be one of 15m, 1h, 24h, 7d/);
    expect(r.apiParams).toEqual({});
  });
});

describe('sagaListHref', () => {
  it('drops empty values', () => {
    expect(sagaListHref({ status: 'failed', q: '', cursor: null })).toBe('/sagas?status=failed');
    expect(sagaListHref({})).toBe('/sagas');
  });
});

describe('describeFilters', () => {
  it('names every active filter', () => {
    const parsed = parseSagaListQuery({ status: 'failed', service: 'payments', anomaly: 'missing_compensation', to: '2025-01-01T00:00:00Z' });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(describeFilters(parsed.value, null, (ms) => new Date(ms).toISOString())).toEqual([
      'status is failed',
      'anomaly missing compensation',
      'a service starts with “payments”',
      'started at or before 2025-01-01T00:00:00.000Z',
    ]);
    const ranged = parseSagaListQuery({ from: '2025-01-01T00:00:00Z' });
    if (!ranged.ok) throw new Error(ranged.error);
    expect(describeFilters(ranged.value, '24h', String)).toEqual(['started in the last 24 h']);
  });
});
