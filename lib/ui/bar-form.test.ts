import { describe, expect, it } from 'vitest';
import { barsPerBucket, chooseBarForm, MIN_BAR_PX } from './bar-form';
import { MAX_POINTS, RELATIVE_RANGES, chooseBucketMinutes } from '../stats/range';

const STEP_CALLS = [{ stack: 'runs' }, { stack: 'runs' }, {}]; // runs (ok + failed stacked) and retries side by side

describe('count charts stay readable at every range', () => {
  it('counts bars side by side: one per stack, one per series alone', () => {
    expect(barsPerBucket(STEP_CALLS)).toBe(2);
    expect(barsPerBucket([{ stack: 'status' }, { stack: 'status' }, { stack: 'status' }])).toBe(1);
    expect(barsPerBucket([{}, {}, {}])).toBe(3);
  });

  it('draws bars no narrower than MIN_BAR_PX, else a stepped area — at every plot width, bucket count and grouping', () => {
    for (const plotPx of [120, 300, 420, 640, 1280, 2400]) {
      for (let buckets = 1; buckets <= MAX_POINTS; buckets += buckets < 200 ? 1 : 37) {
        for (const groups of [1, 2, 3]) {
          const f = chooseBarForm(plotPx, buckets, groups);
          if (f.form === 'bar') {
            expect(f.barPx, `${plotPx}px, ${buckets} buckets × ${groups}`).toBeGreaterThanOrEqual(MIN_BAR_PX);
            expect(f.barPx * groups + f.categoryGapPx).toBeCloseTo(plotPx / buckets, 6);
          }
        }
      }
    }
  });

  it('the issue\'s case: step runs and retries per 1 m over 6 h in a half-width chart is an area, not 360 × 2 hairlines', () => {
    expect(chooseBarForm(440, 360, barsPerBucket(STEP_CALLS))).toEqual({ form: 'area' });
    // With its default buckets every preset keeps the sagas-by-status bars (one stack) in a half-width chart.
    for (const minutes of Object.values(RELATIVE_RANGES)) {
      const buckets = Math.ceil(minutes / chooseBucketMinutes(0, minutes * 60_000)) + 1;
      expect(chooseBarForm(440, buckets, 1).form, `${minutes} min in ${buckets} buckets`).toBe('bar');
    }
    // The default last hour keeps the step's two bars per minute.
    expect(chooseBarForm(440, 61, 2).form).toBe('bar');
  });

  it('keeps a gap between wide buckets only', () => {
    const wide = chooseBarForm(600, 10, 1);
    expect(wide).toMatchObject({ form: 'bar' });
    expect(wide.form === 'bar' && wide.categoryGapPx).toBeCloseTo(7.2, 6);
    expect(chooseBarForm(600, 150, 1)).toEqual({ form: 'bar', categoryGapPx: 1, barPx: 3 });
    expect(chooseBarForm(600, 200, 1)).toEqual({ form: 'bar', categoryGapPx: 0, barPx: 3 });
  });
});
