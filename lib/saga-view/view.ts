/**
 * One saga as every part of its page shows it, built once per model (and kept
 * with it for large sagas, lib/saga-view/cache.ts) directly from Saga.steps:
 *  - rows: the steps as timeline columns, row i = steps[i], times in whole
 *    microseconds from the saga's start (lib/ui/timeline-columns.ts);
 *  - chain: the compensation chain, its sides as row indices (./chain.ts);
 *  - stepGraph: the step graph, laid out (./step-graph.ts, ./step-graph-layout.ts);
 *  - saga: the summary, with the model's time to consistency (lib/saga/timings.ts).
 * The page sends rows and chain in one wire form (lib/ui/timeline-wire.ts,
 * ./page-timeline.ts); GET /api/sagas/{id} writes its Step JSON from `steps`
 * (./json.ts).
 */
import type { AnomalyJson, SagaDetail, SagaSummary } from '../api/types';
import type { ClockSkew, ModelConfig, Saga, SagaSpan, Step } from '../saga/types';
import { ColumnsBuilder, OUTCOME_OF_RESULT, type TimelineColumns } from '../ui/timeline-columns';
import { baseColumnsScale } from '../ui/time-axis';
import type { TimeScale } from '../ui/timeline-scale';
import { buildChain, type CompensationChain } from './chain';
import { buildStepGraph } from './step-graph';
import { layoutStepGraph, type StepGraphView } from './step-graph-layout';
import { repairsToJson, sagaToSummaryJson } from './json';
import type { CoordinatorJson } from '../dtm/view';
import type { CoordinatorFacts } from '../actions/safety';

/** A saga can have thousands of distinct steps; the action menu lists the first ones (selecting a row picks any). */
const MAX_STEP_OPTIONS = 500;

export interface StepOption {
  name: string;
  index: number;
}

export interface SagaView {
  saga: SagaSummary;
  /** The model's steps; row i of `rows` is steps[i]. */
  steps: readonly Step[];
  rows: TimelineColumns;
  /** Horizontal scale of all rows, with their idle gaps (lib/ui/time-axis.ts), found once from all of them. */
  scale: TimeScale;
  chain: CompensationChain;
  /** Built and laid out here: the browser gets at most MAX_STEP_GRAPH_NODES positioned nodes, never dagre. */
  stepGraph: StepGraphView;
  /** The saga's steps, once each, in definition order: what the actions can target. */
  stepOptions: StepOption[];
  anomalies: AnomalyJson[];
  compensateSaga: SagaDetail['compensateSaga'];
  /** Clock-skew corrections the model applied; the steps' times are corrected. */
  clockSkew: ClockSkew[];
  /** Set when the saga is over the size limit: the model covers its first `modelled` spans. */
  modelledSpans: { modelled: number; stored: number } | null;
  traceIds: string[];
  /** DTM's own view of the saga (lib/dtm), null when no configured DTM server knows its gid. */
  coordinator: CoordinatorJson | null;
}

/** `spans`: what the model was built from (the repair guide plans from them). */
export function buildSagaView(
  saga: Saga, spans: readonly SagaSpan[], cfg: ModelConfig, modelledSpans: SagaView['modelledSpans'],
  coordinator: CoordinatorJson | null = null, coordinatorFacts: CoordinatorFacts | null = null,
): SagaView {
  const rows = stepColumns(saga);
  return {
    saga: sagaToSummaryJson(saga),
    steps: saga.steps,
    rows,
    scale: baseColumnsScale(rows),
    chain: buildChain(saga.steps, saga.status, saga.anomalies),
    stepGraph: layoutStepGraph(buildStepGraph(saga.steps, saga.failedStep)),
    stepOptions: stepOptions(saga.steps),
    ...repairsToJson(saga, spans, cfg, coordinatorFacts),
    clockSkew: saga.clockSkew,
    modelledSpans,
    traceIds: saga.traceIds,
    coordinator,
  };
}

/**
 * The steps as timeline rows, in the model's order (start time, then step
 * index). Times count from the saga's start (its first own span); a step that
 * starts earlier (a repair-only saga has no own start) moves the origin to it,
 * so no offset is negative.
 */
export function stepColumns(saga: Saga): TimelineColumns {
  let t0 = Number.isFinite(saga.startMs) ? saga.startMs : Infinity;
  for (const s of saga.steps) if (s.startMs < t0) t0 = s.startMs;
  const b = new ColumnsBuilder(Number.isFinite(t0) ? t0 : 0);
  for (const s of saga.steps) {
    b.add({
      id: s.spanId,
      traceId: s.traceId,
      label: s.step,
      op: s.op,
      attempt: s.attempt,
      service: s.service,
      startMs: s.startMs,
      endMs: s.endMs,
      depth: 0,
      stepIndex: s.index,
      tone: s.compensation ? 'compensation' : 'forward',
      outcome: OUTCOME_OF_RESULT[s.result] ?? 'ok',
      error: s.error,
      manual: s.manual,
    });
  }
  return b.columns;
}

function stepOptions(steps: readonly Step[]): StepOption[] {
  const byName = new Map<string, StepOption>();
  for (const s of steps) if (s.index >= 0 && !byName.has(s.step)) byName.set(s.step, { name: s.step, index: s.index });
  return [...byName.values()].sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1)).slice(0, MAX_STEP_OPTIONS);
}
