/**
 * Read access to a timeline's rows without materialising them. A saga can have
 * 50,000 steps; turning every packed row into an object (and a Map by id) on
 * page load cost ~0.1–0.2 s of main-thread time before the first row could be
 * drawn, while the virtualised chart only ever shows a few dozen rows. Rows
 * are built from the packed columns when first asked for, and the recent ones
 * kept, so a drawn row's object is stable (TimelineRow is memoised on it).
 */
import { OPS, type Op } from '../saga/types';
import type { ChainStep } from '../saga/compensation-chain';
import { STEP_RESULT, type BarOutcome, type TimelineItem } from './timeline-items';
import { packedRow, TIMELINE_OUTCOMES, type PackedTimeline } from './timeline-pack';
import type { TimeScale } from './timeline-scale';
import { repairAwarePackedScale, repairAwareScale } from './timeline-break';

export interface TimelineRows {
  readonly length: number;
  /** Row `i` (0 ≤ i < length); the same object while it stays among the recently built. */
  at(i: number): TimelineItem;
  /** First row with this span id, -1 when none. */
  indexOf(id: string): number;
  /** Horizontal scale of the whole timeline. */
  readonly scale: TimeScale;
}

export function rowsFromItems(items: readonly TimelineItem[]): TimelineRows {
  let index: Map<string, number> | null = null;
  return {
    length: items.length,
    at: (i) => items[i],
    indexOf(id) {
      if (!index) {
        index = new Map();
        for (let i = 0; i < items.length; i++) if (!index.has(items[i].id)) index.set(items[i].id, i);
      }
      return index.get(id) ?? -1;
    },
    scale: repairAwareScale(items),
  };
}

/**
 * The scale of packed rows, from the columns (no row objects): linear, or
 * broken around an operator's repair that came long after the saga's own run
 * (lib/ui/timeline-break.ts).
 */
export function packedScale(p: PackedTimeline): TimeScale {
  return repairAwarePackedScale(p);
}

/** Lookups by id answered by a scan before the id → row map is built (selection, evidence links). */
const SCANNED_LOOKUPS = 64;

/** Rows kept built: many screens' worth (a screen is ~60 rows with overscan). */
export const ROW_CACHE = 2048;

/**
 * Rows of a packed timeline. `scale` overrides the one computed from the rows:
 * the first screen of a large saga is drawn on the whole saga's scale, so the
 * bars do not move when the rest arrives.
 */
export function rowsFromPacked(p: PackedTimeline, scale: TimeScale = packedScale(p)): TimelineRows {
  const n = p.id.length;
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
      errors ??= new Map(p.errors.map(([row, s]) => [row, p.strings[s]]));
      manual ??= new Set(p.manual);
      const it = packedRow(p, i, errors, manual);
      if (cache.size >= ROW_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(i, it);
      return it;
    },
    indexOf(id) {
      // The first lookups scan the column (native, no allocation; ~1 ms over 50,000 ids at
      // worst): building the map cost 10–30 ms on a cold page, inside the first click's render.
      if (!index && lookups < SCANNED_LOOKUPS) {
        lookups++;
        return p.id.indexOf(id);
      }
      if (!index) {
        index = new Map();
        for (let i = 0; i < n; i++) if (!index.has(p.id[i])) index.set(p.id[i], i);
      }
      return index.get(id) ?? -1;
    },
    scale,
  };
}



/** The compensation chain's input straight from the columns (same as timelineItemsToChainSteps of the unpacked rows). */
export function packedChainSteps(p: PackedTimeline): ChainStep[] {
  const out: ChainStep[] = [];
  const manual = new Set(p.manual);
  for (let i = 0; i < p.id.length; i++) {
    const op = p.op[i];
    if (p.stepIndex[i] < 0 || op < 0) continue;
    const startMs = p.t0 + p.start[i];
    out.push({
      step: p.strings[p.label[i]],
      index: p.stepIndex[i],
      op: OPS[op] as Op,
      attempt: p.attempt[i],
      result: STEP_RESULT[TIMELINE_OUTCOMES[p.outcome[i]] as BarOutcome],
      spanId: p.id[i],
      startMs,
      endMs: startMs + p.duration[i],
      manual: manual.has(i),
    });
  }
  return out;
}
