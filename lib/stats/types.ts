/**
 * JSON shapes of GET /api/stats and GET /api/topology (DESIGN.md §5). Times are
 * ISO-8601, durations milliseconds; rates are fractions (0..1) or null when
 * nothing finished. Percentiles come from bucketed histograms: within
 * `errorBound` (relative) of the exact nearest-rank value (lib/stats/histogram.ts).
 */
import type { SagaStatus } from '../saga/types';

export interface SagaAggregate {
  /** Sagas started in the period, any status. */
  count: number;
  byStatus: Record<SagaStatus, number>;
  /** committed + compensated + failed. */
  finished: number;
  /** failed / finished: sagas that ended inconsistent. */
  failureRate: number | null;
  /** (compensated + failed) / finished: sagas that had to be rolled back. */
  compensationRate: number | null;
  /** Duration of finished sagas. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Time to consistency (first forward failure → last successful compensation), of sagas that compensated on their own. */
  ttcP50Ms: number | null;
  ttcP95Ms: number | null;
  /** Sagas an operator's manual steps brought to a good end (they have no time to consistency of their own). */
  repaired: number;
  /** Their time to repair: own first forward failure (else the end of their own run) → end of the last successful manual step. */
  ttrP50Ms: number | null;
  ttrP95Ms: number | null;
  /** Step runs with attempt > 1. */
  retries: number;
}

export interface StatsPoint extends SagaAggregate {
  /** Bucket start. */
  t: string;
}

export interface StepAggregate {
  sagaName: string | null;
  service: string;
  step: string;
  op: string;
  calls: number;
  errors: number;
  errorRate: number | null;
  retries: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface StepPoint {
  t: string;
  calls: number;
  errors: number;
  errorRate: number | null;
  retries: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface StatsResponse {
  from: string;
  to: string;
  bucket: string;
  bucketMs: number;
  name: string | null;
  errorBound: number;
  series: StatsPoint[];
  totals: SagaAggregate;
  /** One row per saga name (null = unnamed), most sagas first. */
  byName: (SagaAggregate & { name: string | null })[];
  /** Steps of the range, most errors first. */
  steps: StepAggregate[];
  /** Sagas of the range whose status is failed / stuck now (as the saga list counts them). */
  current: { failed: number; stuck: number };
  /** With `step=`: that step's series. */
  step: { step: string; service: string | null; op: string | null; series: StepPoint[] } | null;
}

export interface TopologyNode {
  id: string;
  service: string;
  calls: number;
  errors: number;
}

export interface TopologyEdge {
  id: string;
  source: string;
  target: string;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface TopologyResponse {
  from: string;
  to: string;
  sagaName: string | null;
  sagaId: string | null;
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}
