import { ANOMALY_KINDS, type Anomaly, type AnomalyKind, type SagaSpan, type SagaStatus, type Severity } from './types';
import type { StepModel } from './steps';
import type { Assessment } from './status';
import {
  failedCompensations,
  hangingActions,
  missingCompensations,
  nullCompensations,
} from './compensation-anomalies';
import { outOfOrderCompensations } from './compensation-order';
import { duplicateExecutions } from './execution-anomalies';
import { retryStorms } from './retry-storms';
import { orphanSteps } from './orphan-steps';
import { compensationRules, type SagaRules } from './protocol-rules';
import { formatDuration, formatInstant } from './format';

export interface AnomalyInputs {
  model: StepModel;
  /** The saga's own run: `model` without operators' repairs (lib/saga/repair.ts); `model` itself when there was none. */
  own: StepModel;
  assessment: Assessment;
  rules: SagaRules;
  maxAttempts: number;
  stuckAfterMs: number;
  hasCoordinatorSpan: boolean;
  /** The saga's spans in canonical order and their parents' positions (lib/saga/spans.ts canonicalize). */
  spans: readonly SagaSpan[];
  parentIndex: Int32Array;
  /** The span that brought the last activity (evidence for `stuck`). */
  lastActiveSpan: SagaSpan | null;
  lastActivityMs: number;
}

/**
 * Anomalies that hold whatever the clock says, as far as the saga's protocol
 * has them (lib/saga/protocol-rules.ts): compensation order only for `saga`,
 * no compensation anomaly at all for `msg`. Judgements of the saga's order and
 * pace (compensation order, retry storms, which steps no coordinator covered) are
 * made on its own run only: an operator's repair comes minutes later by design and
 * numbers its attempt after the saga's own. Findings about what participants did
 * (a failed or null compensation, an op that succeeded twice) count every run.
 */
export function timelessAnomalies(x: AnomalyInputs): Anomaly[] {
  const { groups } = x.model;
  const comp = compensationRules(x.rules.protocol);
  return [
    ...(comp.ordered ? outOfOrderCompensations(x.own.groups) : []),
    ...(comp.any ? failedCompensations(groups) : []),
    ...(comp.any ? nullCompensations(groups) : []),
    ...(comp.any ? hangingActions(groups) : []),
    ...duplicateExecutions(groups),
    ...retryStorms(x.own.groups, x.maxAttempts),
    ...orphanSteps(x.own.groups, x.spans, x.parentIndex, x.hasCoordinatorSpan),
  ];
}

/**
 * The full, sorted list for a given status: `missing_compensation` only counts once
 * the saga is failed (before that the compensation may still come), and not for
 * protocols without one (XA, msg); a compensation the coordinator still retries
 * is `compensation_failed` only once the saga is stuck (until then the next retry
 * may succeed); `stuck` mirrors the status so that anomaly filters find stuck sagas.
 */
export function anomaliesFor(status: SagaStatus, timeless: readonly Anomaly[], x: AnomalyInputs): Anomaly[] {
  const out = [...timeless];
  const comp = compensationRules(x.rules.protocol);
  if (status === 'failed' && x.assessment.compensation !== null && comp.missing) {
    out.push(...missingCompensations(x.assessment.compensation));
  }
  if (status === 'stuck' && comp.any) out.push(...failedCompensations(x.model.groups, true));
  if (status === 'stuck') out.push(stuckAnomaly(x));
  return out.sort(compareAnomalies);
}

function stuckAnomaly(x: AnomalyInputs): Anomaly {
  const last = x.lastActiveSpan;
  const where = last === null ? '' : ` (last span: ${last.name} on ${last.service})`;
  return {
    kind: 'stuck',
    severity: 'warning',
    step: null,
    message:
      `No new span for more than ${formatDuration(x.stuckAfterMs)} since ${formatInstant(x.lastActivityMs)}${where}` +
      ` while the saga was ${x.assessment.phase === 'compensating' ? 'compensating' : 'running'}.` +
      (x.rules.coordinatorRetries
        ? ' Its coordinator (DTM, which emits no spans) retries failed calls at growing intervals: it may still be retrying.'
        : ''),
    spanIds: last === null ? [] : [last.spanId],
  };
}

/** Distinct kinds in ANOMALY_KINDS order: the form stored in the summary's anomalies column. */
export function anomalyKinds(anomalies: readonly Pick<Anomaly, 'kind'>[]): AnomalyKind[] {
  const present = new Set(anomalies.map((a) => a.kind));
  return ANOMALY_KINDS.filter((k) => present.has(k));
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const KIND_ORDER = new Map<AnomalyKind, number>(ANOMALY_KINDS.map((k, i) => [k, i]));

/** Most severe first, then a total order so that equal inputs give equal lists. */
export function compareAnomalies(a: Anomaly, b: Anomaly): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (KIND_ORDER.get(a.kind) as number) - (KIND_ORDER.get(b.kind) as number) ||
    cmp(a.step ?? '', b.step ?? '') ||
    cmp(a.spanIds.join(','), b.spanIds.join(',')) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
