import { describe, expect, it } from 'vitest';
import { parseStatsQuery, parseTopologyQuery } from './query';
import { alignRange, bucketStarts, chooseBucketMinutes, formatBucket, parseBucket } from './range';

const NOW = Date.parse('2026-11-21T12:34:56Z');
const q = (s: string) => parseStatsQuery(new URLSearchParams(s), NOW);

describe('ranges and buckets', () => {
  it('picks the smallest nice bucket that keeps a chart at ≤ 120 points', () => {
    expect(chooseBucketMinutes(0, 60 * 60_000)).toBe(1);
    expect(chooseBucketMinutes(0, 6 * 3_600_000)).toBe(5);
    expect(chooseBucketMinutes(0, 12 * 3_600_000)).toBe(10);
    expect(chooseBucketMinutes(0, 24 * 3_600_000)).toBe(60); // long ranges: whole hours (hourly rollups)
    expect(chooseBucketMinutes(0, 7 * 86_400_000)).toBe(120);
    expect(chooseBucketMinutes(0, 30 * 86_400_000)).toBe(360);
  });

  it('parses and formats bucket sizes', () => {
    expect(parseBucket('5m')).toBe(5);
    expect(parseBucket('2h')).toBe(120);
    expect(parseBucket('1d')).toBe(1440);
    for (const bad of ['', '0m', '5', 'm', '5s', '-5m', '1.5h', '999999m']) expect(parseBucket(bad)).toBeNull();
    expect(formatBucket(1440)).toBe('1d');
    expect(formatBucket(180)).toBe('3h');
    expect(formatBucket(15)).toBe('15m');
  });

  it('aligns a range outward to whole buckets and lists every bucket start', () => {
    const r = alignRange(Date.parse('2026-11-21T10:07:30Z'), Date.parse('2026-11-21T10:21:00Z'), 5);
    expect(new Date(r.fromMs).toISOString()).toBe('2026-11-21T10:05:00.000Z');
    expect(new Date(r.toMs).toISOString()).toBe('2026-11-21T10:25:00.000Z');
    expect(bucketStarts(r).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['10:05', '10:10', '10:15', '10:20']);
  });
});

describe('GET /api/stats query', () => {
  it('defaults to the last hour in 1-minute buckets', () => {
    const r = q('');
    expect(r.ok && r.value.range.bucketMinutes).toBe(1);
    expect(r.ok && new Date(r.value.range.toMs).toISOString()).toBe('2026-11-21T12:35:00.000Z');
    expect(r.ok && new Date(r.value.range.fromMs).toISOString()).toBe('2026-11-21T11:34:00.000Z');
  });

  it('relative range, name, bucket override and a step', () => {
    const r = q('range=24h&bucket=1h&name=checkout&step=charge&service=payment&op=action');
    expect(r).toMatchObject({ ok: true, value: { name: 'checkout', step: { step: 'charge', service: 'payment', op: 'action' } } });
    expect(r.ok && r.value.range.bucketMinutes).toBe(60);
  });

  it.each([
    ['from after to', 'from=2026-11-21T12:00:00Z&to=2026-11-21T11:00:00Z', /before/],
    ['bad date', 'from=yesterday', /from/],
    ['bad bucket', 'bucket=fast', /bucket/],
    ['too many buckets', 'range=30d&bucket=1m', /at most 1500/],
    ['unknown range', 'range=2y', /range/],
    ['control characters', 'name=a%00b', /control/],
    ['service without step', 'service=payment', /step/],
  ])('%s → a 400 message', (_, qs, message) => {
    const r = q(qs);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });
});

describe('unknown parameters', () => {
  it('are ignored (a pasted link keeps working) while known ones are still checked', () => {
    const plain = q('range=6h&name=checkout');
    const tracked = q('range=6h&name=checkout&utm_source=slack&utm_medium=chat&fbclid=x&colour=red');
    expect(tracked).toEqual(plain);
    expect(tracked.ok).toBe(true);
    const bad = q('range=2y&utm_source=slack');
    expect(!bad.ok && bad.error).toMatch(/^range:/);
  });
});

describe('GET /api/topology query', () => {
  it('saga name or one saga, over whole minutes', () => {
    const r = parseTopologyQuery(new URLSearchParams('range=1h&name=checkout'), NOW);
    expect(r).toMatchObject({ ok: true, value: { sagaName: 'checkout', sagaId: null } });
    expect(r.ok && (r.value.toMs - r.value.fromMs) / 60_000).toBe(61);
    expect(parseTopologyQuery(new URLSearchParams('sagaId=gid-1'), NOW)).toMatchObject({ ok: true, value: { sagaId: 'gid-1' } });
    // Parameters of other pages (the analyze pages' bucket) and trackers are ignored.
    expect(parseTopologyQuery(new URLSearchParams('bucket=5m&utm_source=slack'), NOW).ok).toBe(true);
  });

  it('takes `sagaName` as an alias of `name`, and refuses the two when they disagree', () => {
    const alias = parseTopologyQuery(new URLSearchParams('range=1h&sagaName=checkout'), NOW);
    expect(alias).toEqual(parseTopologyQuery(new URLSearchParams('range=1h&name=checkout'), NOW));
    expect(parseTopologyQuery(new URLSearchParams('name=checkout&sagaName=checkout'), NOW)).toMatchObject({ ok: true, value: { sagaName: 'checkout' } });
    const clash = parseTopologyQuery(new URLSearchParams('name=checkout&sagaName=refund'), NOW);
    expect(!clash.ok && clash.error).toMatch(/sagaName.*another name for `name`/);
    const bad = parseTopologyQuery(new URLSearchParams('name=a%00b'), NOW);
    expect(!bad.ok && bad.error).toMatch(/^name: .*control/);
  });
});
