/**
 * URL state of the analyze pages (the Overview at `/` and `/insights`): the
 * time range, the bucket, the saga name and step, and auto-refresh. Everything
 * a view shows is in its URL, so a copied link reproduces it. Other parameters
 * (a tracker's `utm_source`, another page's filter) are dropped, never an error.
 */
import { MAX_POINTS, NICE_BUCKET_MINUTES, RELATIVE_RANGES, formatBucket, type RelativeRange } from '../stats/range';
import { sagaListHref } from './saga-list-params';

export const ANALYZE_KEYS = ['name', 'step', 'service', 'op', 'range', 'from', 'to', 'bucket', 'refresh'] as const;
export type AnalyzeKey = (typeof ANALYZE_KEYS)[number];
export type AnalyzeState = Partial<Record<AnalyzeKey, string>>;

export const RANGE_LABELS: Record<RelativeRange, string> = {
  '15m': 'Last 15 min',
  '1h': 'Last 1 h',
  '6h': 'Last 6 h',
  '24h': 'Last 24 h',
  '7d': 'Last 7 d',
  '30d': 'Last 30 d',
};
export const RANGE_KEYS = Object.keys(RELATIVE_RANGES) as RelativeRange[];

/** The analyze parameters of a page's search params (first value of each, empties and unknown keys dropped). */
export function readAnalyzeState(raw: Record<string, string | string[] | undefined>): { state: AnalyzeState } {
  const state: AnalyzeState = {};
  for (const [k, v] of Object.entries(raw)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value === undefined || value === '') continue;
    if ((ANALYZE_KEYS as readonly string[]).includes(k)) state[k as AnalyzeKey] = value;
  }
  return { state };
}

/** Parameters for parseStatsQuery: everything but the view-only `refresh`. */
export function statsParams(state: AnalyzeState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ANALYZE_KEYS) if (k !== 'refresh' && state[k]) out[k] = state[k]!;
  return out;
}

/** A URL of an analyze page, keys in a fixed order, empty values dropped. */
export function analyzeHref(path: string, state: AnalyzeState): string {
  const sp = new URLSearchParams();
  for (const k of ANALYZE_KEYS) {
    const v = state[k];
    if (v) sp.set(k, v);
  }
  const qs = sp.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A relative preset replaces absolute bounds; a chosen bucket may not suit the new length, so it is dropped too. */
export function withRelativeRange(state: AnalyzeState, range: RelativeRange): AnalyzeState {
  return { ...state, range, from: undefined, to: undefined, bucket: undefined };
}

export function withAbsoluteRange(state: AnalyzeState, fromIso: string, toIso: string): AnalyzeState {
  return { ...state, range: undefined, from: fromIso, to: toIso, bucket: undefined };
}

/** The time part only (for links between the analyze pages, which keep the range). */
export function timeOf(state: AnalyzeState): AnalyzeState {
  return { range: state.range, from: state.from, to: state.to, bucket: state.bucket, refresh: state.refresh };
}

/** Which preset button shows as pressed: the URL's, or 1h when the URL gives no time at all (the API's default). */
export function activePreset(state: AnalyzeState): RelativeRange | null {
  if (state.from) return null;
  if (state.range && (RANGE_KEYS as string[]).includes(state.range)) return state.range as RelativeRange;
  return state.to ? null : '1h';
}

/** Bucket sizes that make sense for a range: at most MAX_POINTS buckets, and none longer than needed for one bucket. */
export function bucketChoices(fromMs: number, toMs: number): string[] {
  const minutes = Math.max(1, Math.ceil((toMs - fromMs) / 60_000));
  const out: string[] = [];
  for (const b of NICE_BUCKET_MINUTES) {
    if (minutes / b > MAX_POINTS) continue;
    out.push(formatBucket(b));
    if (b >= minutes) break;
  }
  return out;
}

/**
 * The saga list filtered like a figure: sagas started in [from, to). The list's
 * `to` is inclusive, the stats' exclusive, hence one millisecond less.
 */
export function sagaListFor(filter: { status?: string; name?: string | null; fromIso: string; toIso: string }): string {
  const toMs = Date.parse(filter.toIso) - 1;
  return sagaListHref({ status: filter.status, name: filter.name ?? undefined, from: filter.fromIso, to: new Date(toMs).toISOString() });
}
