/**
 * What the saga page derives from a detail's steps: packed timeline rows and
 * the laid-out step graph. (Time to consistency and time to repair come with the
 * saga's summary, from the model.) For a large saga that is ~0.3 s of
 * work, so it is kept per steps array: getSagaDetail hands out the same array
 * while its cached model is valid (lib/db/saga-detail-cache.ts), and the
 * derived data goes when that array does.
 *
 * A large saga's rows do not go into the page: 50,000 rows made 3.4 MiB of
 * HTML (the RSC payload is inlined, escaped) that the browser had to receive
 * and parse before the page could hydrate. The page carries the first screen
 * of rows and the whole timeline's scale; the browser fetches the rest from
 * /api/sagas/<id>/timeline, whose body (rows in their wire form with the
 * compensation chain built here, lib/ui/timeline-wire.ts) is made here once
 * per model and compressed once per encoding (lib/http/pre-encoded.ts).
 */
import type { SagaDetail } from '@/lib/api/types';
import { buildChainFromSteps } from '@/lib/saga/compensation-chain';
import { PreEncodedBody } from '@/lib/http/pre-encoded';
import { buildStepGraph, stepRunFromJson } from '@/lib/saga/step-graph';
import { layoutStepGraph, type StepGraphView } from '@/lib/saga/step-graph-view';
import { stepsToTimelineItems } from '@/lib/ui/timeline-items';
import { headOfTimeline, packTimeline, type PackedTimeline } from '@/lib/ui/timeline-pack';
import { packedChainSteps, packedScale } from '@/lib/ui/timeline-rows';
import { encodeTimelineWire } from '@/lib/ui/timeline-wire';
import type { TimeScale } from '@/lib/ui/timeline-scale';

/** Timelines up to this many rows go into the page whole (the page stays one request, as before). */
export const INLINE_TIMELINE_ROWS = 2_000;
/** Rows a large saga's page carries: a screen of the timeline (560 px / 26 px rows) with room to spare. */
export const TIMELINE_HEAD_ROWS = 60;
/** A saga can have thousands of distinct steps; the action menu lists the first ones (selecting a row picks any). */
const MAX_STEP_OPTIONS = 500;

export interface SagaTimelineView {
  /** All rows, or the first TIMELINE_HEAD_ROWS when `total` is larger. */
  packed: PackedTimeline;
  total: number;
  /** Scale of all rows. */
  scale: TimeScale;
}

export interface SagaPageData {
  timeline: SagaTimelineView;
  /** The body of /api/sagas/<id>/timeline: all rows and their compensation chain (lib/ui/timeline-wire.ts). */
  timelineBody: () => PreEncodedBody;
  /** The saga's steps, once each, in definition order: what the actions can target. */
  stepOptions: Array<{ name: string; index: number }>;
  stepGraph: StepGraphView;
}

// Shared by the page and GET /api/sagas/<id>/timeline (separate bundles, separate module copies),
// like the cached details themselves (lib/db/saga-detail-cache.ts).
const SLOT = Symbol.for('sagascope.saga-page-data');
type Slot = { [SLOT]?: WeakMap<SagaDetail['steps'], SagaPageData> };
const derived = ((globalThis as Slot)[SLOT] ??= new WeakMap());

export function sagaPageData(detail: SagaDetail): SagaPageData {
  const hit = derived.get(detail.steps);
  if (hit) return hit;
  const packed = packTimeline(stepsToTimelineItems(detail.steps));
  const total = packed.id.length;
  let body: PreEncodedBody | null = null;
  const status = detail.saga.status;
  const byName = new Map<string, { name: string; index: number }>();
  for (const s of detail.steps) if (s.index >= 0 && !byName.has(s.step)) byName.set(s.step, { name: s.step, index: s.index });
  const data: SagaPageData = {
    timeline: {
      packed: total > INLINE_TIMELINE_ROWS ? headOfTimeline(packed, TIMELINE_HEAD_ROWS) : packed,
      total,
      scale: packedScale(packed),
    },
    // Made on first use and kept (compressed copies too): a warm request for a 50,000-row
    // timeline only writes bytes. The chain is built from the same packed rows the browser
    // would build it from (packedChainSteps), so it equals the one a small saga's page builds.
    timelineBody: () =>
      (body ??= new PreEncodedBody(
        JSON.stringify(encodeTimelineWire(packed, buildChainFromSteps(packedChainSteps(packed), status))),
        'application/json',
      )),
    stepOptions: [...byName.values()].sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1)).slice(0, MAX_STEP_OPTIONS),
    // Built and laid out here: the browser gets at most MAX_STEP_GRAPH_NODES positioned nodes, never dagre.
    stepGraph: layoutStepGraph(buildStepGraph(detail.steps.map(stepRunFromJson), detail.saga.failedStep)),
  };
  derived.set(detail.steps, data);
  return data;
}
