import type { ModelConfig, Protocol, SagaStatus } from './types';
import type { OpHistory, StepGroup, StepModel } from './steps';
import { completingOps, type SagaRules } from './protocol-rules';

/**
 * Where the saga stands judging by its spans alone, before the clock is applied.
 * `forward_done` is "every forward op succeeded but nobody told us the saga is
 * over": zero-code DTM sagas never do, so quiet for the grace period means
 * committed. `compensating` is an incomplete compensation that may still finish.
 */
export type Phase = 'running' | 'forward_done' | 'committed' | 'compensating' | 'compensated' | 'failed';

export interface CompensationState {
  /** Steps whose first-phase op succeeded: they must be undone. */
  needed: StepGroup[];
  /** Needed steps with no successful compensation entry. */
  uncompensated: StepGroup[];
  /** Compensation (step, op)s whose final attempt failed. */
  failedCompensations: OpHistory[];
}

export interface Assessment {
  phase: Phase;
  /** Null outside the compensation phase. */
  compensation: CompensationState | null;
}

/** A forward step is done when its first phase succeeded and, for two-phase ops, its second phase too. */
function forwardComplete(g: StepGroup, protocol: Protocol): boolean {
  const first = g.firstPhase;
  if (!first || first.final !== 'success') return false;
  const needs = completingOps(protocol, first.op);
  return !needs || g.histories.some((h) => needs.includes(h.op) && h.final === 'success');
}

/**
 * `coordinatorSeen`: the orchestrator emits spans. Then only its finished root
 * span says the saga is over; quiet alone is not completion (an orchestrator that
 * stalls after some successful steps must end up stuck, not committed).
 * `model`'s standings must be settled under `rules` (protocol-rules.ts).
 */
export function assess(model: StepModel, coordinatorFinished: boolean, coordinatorSeen: boolean, rules: SagaRules): Assessment {
  if (model.steps.length === 0) return { phase: 'running', compensation: null };

  let forwardFailed = false;
  let compensationRan = false;
  let allForwardSucceeded = true;
  for (const g of model.groups) {
    for (const h of g.histories) {
      if (h.compensation) compensationRan = true;
      else if (h.final === 'failure') forwardFailed = true;
      if (!h.compensation && h.final !== 'success') allForwardSucceeded = false;
    }
  }

  if (!forwardFailed && !compensationRan) {
    if (!allForwardSucceeded || !model.groups.every((g) => !g.hasForward || forwardComplete(g, rules.protocol))) {
      return { phase: 'running', compensation: null };
    }
    if (coordinatorFinished) return { phase: 'committed', compensation: null };
    return { phase: coordinatorSeen ? 'running' : 'forward_done', compensation: null };
  }

  const compensation = compensationState(model.groups);
  if (compensation.uncompensated.length === 0 && compensation.failedCompensations.length === 0) {
    return { phase: 'compensated', compensation };
  }
  return { phase: coordinatorFinished ? 'failed' : 'compensating', compensation };
}

function compensationState(groups: readonly StepGroup[]): CompensationState {
  const needed: StepGroup[] = [];
  const uncompensated: StepGroup[] = [];
  const failedCompensations: OpHistory[] = [];
  for (const g of groups) {
    for (const h of g.compensations) if (h.final === 'failure') failedCompensations.push(h);
    // Steps whose first phase failed may be compensated too (DTM does, in case the
    // action half-ran); that is allowed but not required.
    if (g.firstPhase?.final !== 'success') continue;
    needed.push(g);
    const undone = g.compensations.some((h) => h.entries.some((e) => e.result === 'success'));
    if (!undone) uncompensated.push(g);
  }
  return { needed, uncompensated, failedCompensations };
}

export interface Timed {
  /** Status at cfg.nowMs. */
  status: SagaStatus;
  /** The single transition still ahead, if any. */
  next: { atMs: number; status: SagaStatus } | null;
}

/**
 * Applies the clock. Each non-terminal phase has exactly one deadline counted from
 * the last activity; whichever of "stuck" and the phase's own outcome comes first
 * is the only transition (on a tie the terminal outcome wins, as it says more).
 * After it nothing changes until a new span arrives and the saga is rebuilt.
 * Where the coordinator retries (rules.coordinatorRetries), quiet is not giving
 * up: an unfinished compensation only becomes stuck.
 */
export function evaluateAt(phase: Phase, lastActivityMs: number, cfg: ModelConfig, rules: SagaRules): Timed {
  let current: SagaStatus;
  let deadline: { atMs: number; status: SagaStatus };
  const stuck = { atMs: lastActivityMs + cfg.stuckAfterMs, status: 'stuck' as const };
  const graceOver = lastActivityMs + cfg.failedGraceMs;
  switch (phase) {
    case 'committed':
    case 'compensated':
    case 'failed':
      return { status: phase, next: null };
    case 'running':
      current = 'running';
      deadline = stuck;
      break;
    case 'forward_done':
      current = 'running';
      deadline = stuck.atMs < graceOver ? stuck : { atMs: graceOver, status: 'committed' };
      break;
    case 'compensating':
      current = 'compensating';
      deadline = rules.coordinatorRetries || stuck.atMs < graceOver ? stuck : { atMs: graceOver, status: 'failed' };
      break;
  }
  return cfg.nowMs >= deadline.atMs ? { status: deadline.status, next: null } : { status: current, next: deadline };
}
