/**
 * How a count-per-bucket chart is drawn at a given plot width, so it stays
 * readable at every range: bars while each bar gets at least MIN_BAR_PX, a
 * stepped area (one flat segment per bucket, stacked like the bars) when the
 * buckets are too many for that — "Step runs and retries per 1m" over 6 h is 360
 * buckets × 2 bars in ~450 px, hairlines of under 1 px as bars.
 */

/** The narrowest bar drawn; below it the chart switches to a stepped area. */
export const MIN_BAR_PX = 2;

export type BarForm =
  | { form: 'bar'; /** Gap between buckets, in px. */ categoryGapPx: number; /** Width of one bar, in px. */ barPx: number }
  | { form: 'area' };

/**
 * @param plotPx width of the plot area (the chart minus its axis and margins)
 * @param buckets number of buckets (categories on the x axis)
 * @param barsPerBucket bars side by side in one bucket (stacks count once)
 */
export function chooseBarForm(plotPx: number, buckets: number, barsPerBucket: number): BarForm {
  if (buckets <= 0 || barsPerBucket <= 0 || !(plotPx > 0)) return { form: 'bar', categoryGapPx: 0, barPx: 0 };
  const band = plotPx / buckets;
  // A gap between buckets while there is room for one: 12 % of a wide band, 1 px of a narrow one, none below.
  const categoryGapPx = band >= 16 ? band * 0.12 : band >= 2 * MIN_BAR_PX * barsPerBucket ? 1 : 0;
  const barPx = (band - categoryGapPx) / barsPerBucket;
  return barPx >= MIN_BAR_PX ? { form: 'bar', categoryGapPx, barPx } : { form: 'area' };
}

/** Bars side by side per bucket: one per stack, one per series without a stack. */
export function barsPerBucket(series: readonly { stack?: string }[]): number {
  const stacks = new Set<string>();
  let alone = 0;
  for (const s of series) {
    if (s.stack === undefined) alone++;
    else stacks.add(s.stack);
  }
  return stacks.size + alone;
}
