/**
 * Time ranges and chart buckets for the analyze API and pages. Rollups are per
 * minute, so a range is widened to whole minutes and a bucket is a whole number
 * of minutes; when none is asked for, the bucket is the smallest "nice" size
 * that keeps a chart at or under TARGET_POINTS.
 */
export const NICE_BUCKET_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 10080] as const;
export const TARGET_POINTS = 120;
export const MAX_POINTS = 1500;
const MINUTE = 60_000;

/** Above this range the automatic bucket is a whole number of hours. */
export const HOURLY_ABOVE_MINUTES = 12 * 60;

/**
 * Ranges longer than 12 h get whole-hour buckets, which are read from the hourly
 * rollups: 24 h in 15-minute buckets means ~230k minute rows at 1M sagas/day
 * (p95 ≈ 260 ms in bench:query), in 1-hour buckets ~4k hour rows. A finer
 * bucket can still be asked for.
 */
export function chooseBucketMinutes(fromMs: number, toMs: number): number {
  const minutes = Math.max(1, Math.ceil((toMs - fromMs) / MINUTE));
  const candidates = minutes > HOURLY_ABOVE_MINUTES ? NICE_BUCKET_MINUTES.filter((b) => b % 60 === 0) : NICE_BUCKET_MINUTES;
  return candidates.find((b) => minutes / b <= TARGET_POINTS) ?? NICE_BUCKET_MINUTES[NICE_BUCKET_MINUTES.length - 1];
}

/** `5m`, `1h`, `1d` → minutes; null when not of that form. */
export function parseBucket(text: string): number | null {
  const m = /^(\d{1,5})([mhd])$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] === 'm' ? 1 : m[2] === 'h' ? 60 : 1440);
  return n >= 1 ? n : null;
}

export function formatBucket(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

export interface MinuteRange {
  /** First minute included (ms, UTC, aligned to the bucket). */
  fromMs: number;
  /** First minute excluded (ms). */
  toMs: number;
  bucketMinutes: number;
}

/** Aligns [from, to) outward to whole buckets (buckets start at multiples of their size since the epoch). */
export function alignRange(fromMs: number, toMs: number, bucketMinutes: number): MinuteRange {
  const size = bucketMinutes * MINUTE;
  return { fromMs: Math.floor(fromMs / size) * size, toMs: Math.ceil(Math.max(toMs, fromMs + 1) / size) * size, bucketMinutes };
}

export function bucketStarts(r: MinuteRange): number[] {
  const size = r.bucketMinutes * MINUTE;
  const out: number[] = [];
  for (let t = r.fromMs; t < r.toMs; t += size) out.push(t);
  return out;
}

/** Relative ranges offered by the picker (`range=1h` in the URL). */
export const RELATIVE_RANGES = { '15m': 15, '1h': 60, '6h': 360, '24h': 1440, '7d': 10080, '30d': 43200 } as const;
export type RelativeRange = keyof typeof RELATIVE_RANGES;
