import { describe, expect, it } from 'vitest';
import { bucketSources, rangeSources } from './sources';

const t = (s: string) => Date.parse(`2026-11-21T${s}:00Z`);
const show = (xs: ReturnType<typeof rangeSources>) => xs.map((x) => `${x.grain} ${new Date(x.fromMs).toISOString().slice(11, 16)}-${new Date(x.toMs).toISOString().slice(11, 16)}`);

describe('rollup sources', () => {
  it('whole hours from the hourly tables, the edges from the minutes', () => {
    expect(show(rangeSources(t('10:07'), t('14:21')))).toEqual(['minute 10:07-11:00', 'hour 11:00-14:00', 'minute 14:00-14:21']);
    expect(show(rangeSources(t('10:00'), t('12:00')))).toEqual(['hour 10:00-12:00']);
    expect(show(rangeSources(t('10:07'), t('10:59')))).toEqual(['minute 10:07-10:59']);
    expect(show(rangeSources(t('10:07'), t('11:30')))).toEqual(['minute 10:07-11:30']);
  });

  it('charts with whole-hour buckets read hours only', () => {
    expect(bucketSources(t('10:00'), t('14:00'), 60)[0]!.grain).toBe('hour');
    expect(bucketSources(t('10:00'), t('14:00'), 15)[0]!.grain).toBe('minute');
  });
});
