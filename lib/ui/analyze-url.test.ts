import { describe, expect, it } from 'vitest';
import { activePreset, analyzeHref, bucketChoices, readAnalyzeState, sagaListFor, statsParams, withAbsoluteRange, withRelativeRange } from './analyze-url';
import { parseStatsQuery } from '../stats/query';

describe('analyze URL state', () => {
  it('splits the view-only refresh from the stats query and drops unknown keys (utm_source and the like)', () => {
    const { state } = readAnalyzeState({ range: '6h', refresh: '5', name: ['checkout', 'x'], bogus: '1', utm_source: 'slack', step: '' });
    expect(state).toEqual({ range: '6h', refresh: '5', name: 'checkout' });
    expect(statsParams(state)).toEqual({ range: '6h', name: 'checkout' });
    expect(parseStatsQuery(statsParams(state)).ok).toBe(true);
  });

  it('builds links in a fixed key order and encodes hostile names', () => {
    expect(analyzeHref('/insights', { refresh: '5', range: '1h', name: 'a&b <img>' })).toBe('/insights?name=a%26b+%3Cimg%3E&range=1h&refresh=5');
    expect(analyzeHref('/', {})).toBe('/');
    const back = new URLSearchParams(analyzeHref('/x', { name: 'a&b=c?#' }).split('?')[1]);
    expect(back.get('name')).toBe('a&b=c?#');
  });

  it('a preset replaces absolute bounds and the bucket; absolute bounds replace the preset', () => {
    const s = { name: 'n', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', bucket: '1m', refresh: '5' };
    expect(withRelativeRange(s, '7d')).toMatchObject({ name: 'n', range: '7d', from: undefined, to: undefined, bucket: undefined, refresh: '5' });
    expect(withAbsoluteRange({ range: '1h', bucket: '5m' }, 'A', 'B')).toMatchObject({ range: undefined, from: 'A', to: 'B', bucket: undefined });
  });

  it('marks 1h as the active preset only when the URL gives no time', () => {
    expect(activePreset({})).toBe('1h');
    expect(activePreset({ range: '24h' })).toBe('24h');
    expect(activePreset({ from: 'x', range: '24h' })).toBeNull();
    expect(activePreset({ to: 'x' })).toBeNull();
  });

  it('offers buckets from one minute up to the first that covers the range, within the point limit', () => {
    const H = 3_600_000;
    expect(bucketChoices(0, H)).toEqual(['1m', '2m', '5m', '10m', '15m', '30m', '1h']);
    const month = bucketChoices(0, 30 * 24 * H);
    expect(month[0]).toBe('30m'); // 1m..15m give more than 1500 points
    expect(month.at(-1)).toBe('7d');
    for (const b of month) expect(parseStatsQuery({ from: new Date(0).toISOString(), to: new Date(30 * 24 * H).toISOString(), bucket: b }).ok).toBe(true);
  });

  it('links a figure to the saga list with the list’s inclusive `to`', () => {
    const href = sagaListFor({ status: 'failed', name: 'pay <b>', fromIso: '2026-11-21T10:00:00.000Z', toIso: '2026-11-21T11:00:00.000Z' });
    const sp = new URLSearchParams(href.split('?')[1]);
    expect(href.startsWith('/sagas?')).toBe(true);
    expect(Object.fromEntries(sp)).toEqual({ status: 'failed', name: 'pay <b>', from: '2026-11-21T10:00:00.000Z', to: '2026-11-21T10:59:59.999Z' });
  });
});
