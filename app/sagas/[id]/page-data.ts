/**
 * What the saga page derives from a detail's steps: packed timeline rows, the
 * laid-out step graph, time to consistency. For a large saga that is ~0.3 s of
 * work, so it is kept per steps array: getSagaDetail hands out the same array
 * while its cached model is valid (lib/db/saga-detail-cache.ts), and the
 * derived data goes when that array does.
 */
import type { SagaDetail } from '@/lib/api/types';
import { timeToConsistencyMs } from '@/lib/saga/compensation-chain';
import { buildStepGraph, stepRunFromJson } from '@/lib/saga/step-graph';
import { layoutStepGraph, type StepGraphView } from '@/lib/saga/step-graph-view';
import { stepsToTimelineItems } from '@/lib/ui/timeline-items';
import { packTimeline, type PackedTimeline } from '@/lib/ui/timeline-pack';

export interface SagaPageData {
  timeline: PackedTimeline;
  stepGraph: StepGraphView;
  timeToConsistencyMs: number | null;
}

const derived = new WeakMap<SagaDetail['steps'], SagaPageData>();

export function sagaPageData(detail: SagaDetail): SagaPageData {
  const hit = derived.get(detail.steps);
  if (hit) return hit;
  const data: SagaPageData = {
    // Rows go to the browser packed (a saga can have 50,000 steps); it derives the chain from them.
    timeline: packTimeline(stepsToTimelineItems(detail.steps)),
    // Built and laid out here: the browser gets at most MAX_STEP_GRAPH_NODES positioned nodes, never dagre.
    stepGraph: layoutStepGraph(buildStepGraph(detail.steps.map(stepRunFromJson), detail.saga.failedStep)),
    timeToConsistencyMs: timeToConsistencyMs(detail.steps, detail.saga.status),
  };
  derived.set(detail.steps, data);
  return data;
}
