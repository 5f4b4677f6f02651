/**
 * Query-string contracts of GET /api/stats and GET /api/topology (DESIGN.md §5),
 * shared by the route handlers and the pages. Never throws: a typed query or a
 * message for a 400. Unknown parameters are ignored (a pasted link keeps working);
 * known ones are validated.
 */
import { z } from 'zod';
import { formatZodError, isoDate, shortText, searchParamsToRecord, type Parsed } from '../api/query';
import { alignRange, chooseBucketMinutes, parseBucket, MAX_POINTS, RELATIVE_RANGES, type MinuteRange, type RelativeRange } from './range';

const HOUR = 3_600_000;

const rangeFields = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** Relative range ending now (15m, 1h, 6h, 24h, 7d, 30d); ignored when `from` is given. */
  range: z.enum(Object.keys(RELATIVE_RANGES) as [RelativeRange, ...RelativeRange[]]).optional(),
};

const statsSchema = z
  .object({
    ...rangeFields,
    bucket: z.string().max(8).optional(),
    name: shortText(200).optional(),
    /** Per-step series: the step (with `service` and `op` to pick one run kind). */
    step: shortText(200).optional(),
    service: shortText(200).optional(),
    op: shortText(32).optional(),
  })
  .strip();

const topologySchema = z
  .object({
    ...rangeFields,
    /** The saga name, called `name` as on every other page and API. */
    name: shortText(200).optional(),
    /** Alias of `name` (DESIGN.md §5 names it so for /api/topology); links written before keep working. */
    sagaName: shortText(200).optional(),
    /** One saga's own graph, from its spans. */
    sagaId: shortText(200).optional(),
  })
  .strip()
  .refine((q) => q.name === undefined || q.sagaName === undefined || q.name === q.sagaName, {
    message: '`sagaName` is another name for `name`: give one of them, or the same value for both',
    path: ['sagaName'],
  });

export interface StatsQuery {
  range: MinuteRange;
  name: string | null;
  step: { step: string; service: string | null; op: string | null } | null;
}

export interface TopologyQuery {
  fromMs: number;
  toMs: number;
  sagaName: string | null;
  sagaId: string | null;
}

function resolveRange(q: { from?: Date; to?: Date; range?: RelativeRange }, nowMs: number): Parsed<{ fromMs: number; toMs: number }> {
  const toMs = q.to?.getTime() ?? nowMs;
  const fromMs = q.from?.getTime() ?? toMs - (q.range ? RELATIVE_RANGES[q.range] * 60_000 : HOUR);
  if (fromMs >= toMs) return { ok: false, error: '`from` must be before `to`' };
  return { ok: true, value: { fromMs, toMs } };
}

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

export function parseStatsQuery(params: Params, nowMs: number = Date.now()): Parsed<StatsQuery> {
  const r = statsSchema.safeParse(searchParamsToRecord(params));
  if (!r.success) return { ok: false, error: formatZodError(r.error) };
  const span = resolveRange(r.data, nowMs);
  if (!span.ok) return span;
  let bucketMinutes = chooseBucketMinutes(span.value.fromMs, span.value.toMs);
  if (r.data.bucket !== undefined) {
    const b = parseBucket(r.data.bucket);
    if (b === null) return { ok: false, error: 'bucket: must be a number of minutes, hours or days such as 5m, 1h or 1d' };
    bucketMinutes = b;
  }
  const range = alignRange(span.value.fromMs, span.value.toMs, bucketMinutes);
  const points = (range.toMs - range.fromMs) / (bucketMinutes * 60_000);
  if (points > MAX_POINTS) return { ok: false, error: `bucket: ${points} buckets for this range; at most ${MAX_POINTS} (choose a larger bucket)` };
  if ((r.data.service || r.data.op) && !r.data.step) return { ok: false, error: '`service` and `op` select a step: give `step` too' };
  return {
    ok: true,
    value: {
      range,
      name: r.data.name ?? null,
      step: r.data.step ? { step: r.data.step, service: r.data.service ?? null, op: r.data.op ?? null } : null,
    },
  };
}

export function parseTopologyQuery(params: Params, nowMs: number = Date.now()): Parsed<TopologyQuery> {
  const r = topologySchema.safeParse(searchParamsToRecord(params));
  if (!r.success) return { ok: false, error: formatZodError(r.error) };
  const span = resolveRange(r.data, nowMs);
  if (!span.ok) return span;
  const aligned = alignRange(span.value.fromMs, span.value.toMs, 1);
  return { ok: true, value: { fromMs: aligned.fromMs, toMs: aligned.toMs, sagaName: r.data.name ?? r.data.sagaName ?? null, sagaId: r.data.sagaId ?? null } };
}
