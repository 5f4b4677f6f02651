/**
 * What the analyze pages (Overview, /insights) make of their URL: the analyze
 * state, the parsed stats query (or the message for a bad one) and the range
 * as resolved for this render, for the picker.
 */
import type { Parsed } from '../api/query';
import { parseStatsQuery, type StatsQuery } from '../stats/query';
import { formatBucket } from '../stats/range';
import { readAnalyzeState, statsParams, type AnalyzeState } from './analyze-url';

export interface ResolvedRange {
  fromIso: string;
  toIso: string;
  /** The bucket in use and the one the range would get by itself. */
  bucket: string;
  autoBucket: string;
}

export interface StatsView {
  state: AnalyzeState;
  parsed: Parsed<StatsQuery>;
  resolved: ResolvedRange | null;
}

export function resolveStatsView(raw: Record<string, string | string[] | undefined>, nowMs: number): StatsView {
  const { state } = readAnalyzeState(raw);
  const params = statsParams(state);
  const parsed = parseStatsQuery(params, nowMs);
  if (!parsed.ok) return { state, parsed, resolved: null };
  const { bucket: _chosen, ...withoutBucket } = params;
  const auto = parseStatsQuery(withoutBucket, nowMs);
  const r = parsed.value.range;
  return {
    state,
    parsed,
    resolved: {
      fromIso: new Date(r.fromMs).toISOString(),
      toIso: new Date(r.toMs).toISOString(),
      bucket: formatBucket(r.bucketMinutes),
      autoBucket: auto.ok ? formatBucket(auto.value.range.bucketMinutes) : formatBucket(r.bucketMinutes),
    },
  };
}
