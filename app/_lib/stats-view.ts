/**
 * What the analyze pages (Overview, /insights) make of their URL: the analyze
 * state, the parsed stats query (or the message for a bad one) and the range
 * as resolved for this render, for the picker.
 */
import type { Parsed } from '@/lib/api/query';
import { parseStatsQuery, type StatsQuery } from '@/lib/stats/query';
import { formatBucket } from '@/lib/stats/range';
import { readAnalyzeState, statsParams, type AnalyzeState } from '@/lib/ui/analyze-url';
import type { ResolvedRange } from '@/components/analyze/TimeRangePicker';
import { loadConfig } from '@/lib/config/env';

export interface StatsView {
  state: AnalyzeState;
  parsed: Parsed<StatsQuery>;
  resolved: ResolvedRange | null;
}

export function resolveStatsView(raw: Record<string, string | string[] | undefined>, nowMs: number): StatsView {
  const { state, unknown } = readAnalyzeState(raw);
  const params = statsParams(state, unknown);
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

/** Where spans go, for the empty state's hint. */
export function collectorHint(): string {
  const c = loadConfig();
  if (!c.SAGASCOPE_START_COLLECTOR) {
    return 'The collector runs as its own process here (`npm run collector`); check that it is up and that services export to it.';
  }
  return `The collector started with this UI listens for OTLP on ${c.SAGASCOPE_HOST}:${c.COLLECTOR_GRPC_PORT} (gRPC) and http://${c.SAGASCOPE_HOST}:${c.COLLECTOR_HTTP_PORT}/v1/traces (HTTP); sagas appear once services send spans with saga.* attributes there.`;
}
