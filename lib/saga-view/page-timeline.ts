/**
 * How a saga's rows and chain reach its page, in their one wire form
 * (lib/ui/timeline-wire.ts).
 *
 * A large saga's rows do not go into the page: 50,000 rows made 3.4 MiB of
 * HTML (the RSC payload is inlined, escaped) that the browser had to receive
 * and parse before the page could hydrate. The page carries the first screen
 * of rows and the whole timeline's scale; the browser fetches all rows and the
 * chain from GET /api/sagas/<id>/timeline, whose body is made once per view
 * and compressed once per encoding (lib/http/pre-encoded.ts).
 */
import { PreEncodedBody } from '../http/pre-encoded';
import { headOfColumns } from '../ui/timeline-columns';
import { encodeTimelineWire, type TimelineWire } from '../ui/timeline-wire';
import type { SagaView } from './view';

/** Timelines up to this many rows go into the page whole, with their chain (the page stays one request). */
export const INLINE_TIMELINE_ROWS = 2_000;
/** Rows a large saga's page carries: a screen of the timeline (560 px / 26 px rows) with room to spare. */
export const TIMELINE_HEAD_ROWS = 60;

export interface PageTimeline {
  /** All rows and the chain, or the first TIMELINE_HEAD_ROWS rows (no chain) when `partial`. */
  wire: TimelineWire;
  partial: boolean;
  /** Rows in the whole timeline. */
  total: number;
}

export function pageTimeline(view: SagaView): PageTimeline {
  const total = view.rows.id.length;
  const partial = total > INLINE_TIMELINE_ROWS;
  return {
    wire: partial ? encodeTimelineWire(headOfColumns(view.rows, TIMELINE_HEAD_ROWS)) : encodeTimelineWire(view.rows, view.chain),
    partial,
    total,
  };
}

// Per view, shared by every bundle in the process (Next bundles the page and each route separately),
// like the cached views themselves (./cache.ts): made on first use and kept with its compressed copies,
// so a warm request for a 50,000-row timeline only writes bytes.
const SLOT = Symbol.for('sagascope.saga-timeline-body');
type Slot = { [SLOT]?: WeakMap<SagaView, PreEncodedBody> };
const bodies = ((globalThis as Slot)[SLOT] ??= new WeakMap());

/** The body of GET /api/sagas/<id>/timeline: all rows and the chain. */
export function timelineBody(view: SagaView): PreEncodedBody {
  let body = bodies.get(view);
  if (!body) {
    body = new PreEncodedBody(JSON.stringify(encodeTimelineWire(view.rows, view.chain)), 'application/json');
    bodies.set(view, body);
  }
  return body;
}
