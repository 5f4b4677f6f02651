/**
 * Read access to a timeline's rows straight from its columns
 * (lib/ui/timeline-columns.ts), without materialising them. A saga can have
 * 50,000 steps; turning every row into an object (and a Map by id) on page
 * load cost ~0.1–0.2 s of main-thread time before the first row could be
 * drawn, while the virtualised chart only ever shows a few dozen rows. Rows
 * are built from the columns when first asked for, and the recent ones kept,
 * so a drawn row's object is stable (TimelineRow is memoised on it).
 */
import { errorsOf, rowOf, type TimelineColumns, type TimelineItem } from './timeline-columns';
import type { TimeScale } from './timeline-scale';
import { baseColumnsScale } from './time-axis';

export interface TimelineRows {
  readonly length: number;
  /** Row `i` (0 ≤ i < length); the same object while it stays among the recently built. */
  at(i: number): TimelineItem;
  /** Span id of row `i`, without building the row. */
  idAt(i: number): string;
  /** First row with this span id, -1 when none. */
  indexOf(id: string): number;
  /** Horizontal scale of the whole timeline, with its idle gaps (lib/ui/time-axis.ts): what the chart zooms into. */
  readonly scale: TimeScale;
}

/** Lookups by id answered by a scan before the id → row map is built (selection, evidence links). */
const SCANNED_LOOKUPS = 64;

/** Rows kept built: many screens' worth (a screen is ~60 rows with overscan). */
export const ROW_CACHE = 2048;

/**
 * Rows of timeline columns. `scale` overrides the one computed from the rows:
 * the first screen of a large saga is drawn on the whole saga's scale, so the
 * bars do not move when the rest arrives.
 */
export function rowsFromColumns(c: TimelineColumns, scale: TimeScale = baseColumnsScale(c)): TimelineRows {
  const n = c.id.length;
  // The rows built last, oldest first. Bounded: keeping every row built made a
  // scroll through 50,000 rows grow the heap by all of them, and the major
  // collections that followed were the long tasks of the scroll. A row dropped
  // here is rebuilt (equal, not identical) if it is drawn again.
  const cache = new Map<number, TimelineItem>();
  let errors: Map<number, string> | null = null;
  let manual: Set<number> | null = null;
  let index: Map<string, number> | null = null;
  let lookups = 0;
  return {
    length: n,
    at(i) {
      const hit = cache.get(i);
      if (hit) return hit;
      errors ??= errorsOf(c);
      manual ??= new Set(c.manual);
      const it = rowOf(c, i, errors, manual);
      if (cache.size >= ROW_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(i, it);
      return it;
    },
    idAt: (i) => c.id[i],
    indexOf(id) {
      // The first lookups scan the column (native, no allocation; ~1 ms over 50,000 ids at
      // worst): building the map cost 10–30 ms on a cold page, inside the first click's render.
      if (!index && lookups < SCANNED_LOOKUPS) {
        lookups++;
        return c.id.indexOf(id);
      }
      if (!index) {
        index = new Map();
        for (let i = 0; i < n; i++) if (!index.has(c.id[i])) index.set(c.id[i], i);
      }
      return index.get(id) ?? -1;
    },
    scale,
  };
}
