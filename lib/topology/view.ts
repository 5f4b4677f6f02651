/**
 * The /topology page's URL: the topology API's query (lib/stats/query.ts) plus
 * the view-only `refresh`, and the links from the graph to the saga list. A
 * relative range stays relative in links where the list has the same preset,
 * so following a link from a live view keeps a live view.
 */
import { RELATIVE_RANGES, type RelativeRange } from '../stats/range';
import { RANGE_PRESETS } from '../ui/saga-list-params';
import { sagaListHref } from '../ui/saga-list-params';

const PRESET_LABEL: Record<RelativeRange, string> = { '15m': '15 min', '1h': '1 h', '6h': '6 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };
export const TOPOLOGY_PRESETS: { value: RelativeRange; label: string }[] = (Object.keys(RELATIVE_RANGES) as RelativeRange[]).map((value) => ({
  value,
  label: `Last ${PRESET_LABEL[value]}`,
}));
export const DEFAULT_RANGE: RelativeRange = '1h';

/** The page's state as the user wrote it in the URL (values unvalidated; the API parser checks them). */
export interface TopologyView {
  range: string | null;
  from: string | null;
  to: string | null;
  /** The saga name (`name`; the older `sagaName` is read as an alias). */
  name: string | null;
  sagaId: string | null;
  refresh: boolean;
}

const first = (v: string | string[] | undefined) => {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s;
};

export function readTopologyView(raw: Record<string, string | string[] | undefined>): { view: TopologyView; apiParams: Record<string, string> } {
  const apiParams: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const s = first(v);
    if (s !== null && k !== 'refresh') apiParams[k] = s;
  }
  return {
    view: {
      range: first(raw.range),
      from: first(raw.from),
      to: first(raw.to),
      name: first(raw.name) ?? first(raw.sagaName),
      sagaId: first(raw.sagaId),
      refresh: first(raw.refresh) !== null,
    },
    apiParams,
  };
}

/** The preset in effect: none when absolute bounds are given, `1h` when nothing is. */
export function effectiveRange(view: Pick<TopologyView, 'range' | 'from' | 'to'>): string | null {
  if (view.from !== null) return null;
  if (view.to !== null) return view.range;
  return view.range ?? DEFAULT_RANGE;
}

export function topologyHref(view: Partial<Record<keyof TopologyView, string | boolean | null>>): string {
  const sp = new URLSearchParams();
  for (const key of ['range', 'from', 'to', 'name', 'sagaId'] as const) {
    const v = view[key];
    if (typeof v === 'string' && v !== '') sp.set(key, v);
  }
  if (view.refresh) sp.set('refresh', '5');
  const s = sp.toString();
  return s ? `/topology?${s}` : '/topology';
}

/** The saga list filtered to sagas involving `service`, over the graph's range and saga name (or its one saga). */
export function sagaListHrefForService(service: string, view: TopologyView, resolved: { fromMs: number; toMs: number }): string {
  // One saga's graph ignores the time range, and so does its link.
  if (view.sagaId !== null) return sagaListHref({ service, name: view.name, q: view.sagaId });
  const range = effectiveRange(view);
  const listPreset = RANGE_PRESETS.find((p) => p.value === range);
  const time: Record<string, string | null> = listPreset
    ? { range: listPreset.value }
    : range !== null
      ? // A preset the list lacks (6h, 30d): the same window, fixed at this render.
        { from: new Date(resolved.fromMs).toISOString() }
      : { from: view.from, to: view.to };
  return sagaListHref({
    service,
    name: view.name,
    q: view.sagaId,
    ...time,
  });
}
