/**
 * The /sagas page's URL carries the API's list query (lib/api/query.ts) plus a
 * few view-only parameters. This module separates the two so the API schema
 * stays strict, and turns a relative time preset into an absolute `from` at
 * render time (so an auto-refreshing "last 15 min" view keeps sliding).
 */
import type { SagaListQuery } from '../api/query';

export const RANGE_PRESETS = [
  { value: '15m', label: 'Last 15 min', ms: 15 * 60_000 },
  { value: '1h', label: 'Last 1 h', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 h', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 d', ms: 7 * 86_400_000 },
] as const;

export type RangePreset = (typeof RANGE_PRESETS)[number]['value'];

export const REFRESH_SECONDS = 5;

/** Parameters the page understands but the list API does not. */
const VIEW_ONLY = new Set(['range', 'refresh']);

export interface ListPageParams {
  /** Parameters for parseSagaListQuery (a preset already resolved into `from`). */
  apiParams: Record<string, string>;
  range: RangePreset | null;
  /** Auto-refresh period in seconds, or null when off. */
  refresh: number | null;
  /** A view-only parameter was invalid. */
  error: string | null;
}

export function resolveListPageParams(
  raw: Record<string, string | string[] | undefined>,
  nowMs: number,
): ListPageParams {
  const apiParams: Record<string, string> = {};
  const view: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined || v === '') continue;
    if (VIEW_ONLY.has(key)) view[key] = v;
    else apiParams[key] = v;
  }

  let error: string | null = null;
  let range: RangePreset | null = null;
  if (view.range !== undefined) {
    const preset = RANGE_PRESETS.find((p) => p.value === view.range);
    if (preset) {
      range = preset.value;
      // A preset replaces any absolute bounds: it always means "until now".
      apiParams.from = new Date(nowMs - preset.ms).toISOString();
      delete apiParams.to;
    } else {
      error = `range: must be one of ${RANGE_PRESETS.map((p) => p.value).join(', ')}`;
    }
  }
  const refresh = view.refresh !== undefined ? REFRESH_SECONDS : null;
  return { apiParams, range, refresh, error };
}

/** Rebuild a /sagas URL from view state, dropping empty values. */
export function sagaListHref(params: Record<string, string | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') sp.set(k, v);
  const s = sp.toString();
  return s ? `/sagas?${s}` : '/sagas';
}

/** Plain-language description of the active filters, for the empty state. */
export function describeFilters(q: SagaListQuery, range: RangePreset | null, formatTime: (ms: number) => string): string[] {
  const parts: string[] = [];
  if (q.status) parts.push(`status is ${q.status}`);
  if (q.anomaly) parts.push(`anomaly ${q.anomaly.replaceAll('_', ' ')}`);
  if (q.name) parts.push(`name starts with “${q.name}”`);
  if (q.service) parts.push(`a service starts with “${q.service}”`);
  if (q.q) parts.push(`the saga id (or its start), a trace or span id, or a business key is “${q.q}”`);
  if (q.key) parts.push(`business key ${q.key.name} is “${q.key.value}”`);
  if (range) {
    parts.push(`started in the ${RANGE_PRESETS.find((p) => p.value === range)!.label.toLowerCase()}`);
  } else {
    if (q.from) parts.push(`started at or after ${formatTime(q.from.getTime())}`);
    if (q.to) parts.push(`started at or before ${formatTime(q.to.getTime())}`);
  }
  return parts;
}
