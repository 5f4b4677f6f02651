/**
 * Turns a (flow, scenario) into everything that will go wrong in one saga, up
 * front and as plain data: which attempt of which step gets which fault, and
 * which orchestrator bug is switched on. Pure, so that scenarios are testable
 * without running anything, and a saga is reproducible from its seed.
 */
import type { DemoConfig, StepName } from '../config';
import { faultsOf } from '../config';
import type { Faults } from '../faults';
import type { Link } from './chaos-network';
import { DTM_FLOWS, SCENARIOS_BY_FLOW, type Flow, type Scenario } from '../scenarios';

export interface AttemptPlan {
  faults: Partial<Faults>;
  /** null: straight to the participant. */
  link: Link | null;
}

export interface StepPlan {
  /** Plans of the first attempts of the forward op (action, try); later attempts are plain. */
  forward: AttemptPlan[];
  /** Plans of the first attempts of the undo op (compensate, cancel). */
  undo: AttemptPlan[];
  maxAttempts: number;
  /** Processing time of each call that has no delay of its own. */
  latencyMs: number;
  timeoutMs: number;
}

export interface SagaPlan {
  flow: Flow;
  scenario: Scenario;
  steps: Partial<Record<StepName, StepPlan>>;
  /** The orchestrator emits its root span and saga.* client spans. */
  coordinatorSpans: boolean;
  /** Participants are told the saga context (x-saga-* headers) and set saga.* attributes. */
  sagaHeaders: boolean;
  /** BUG compensation_out_of_order: undo in definition order instead of reverse. */
  undoOrder: 'reverse' | 'forward';
  /** BUG compensation_skipped: this step is never undone. */
  skipUndoOf: StepName | null;
  /** BUG stalled: the orchestrator stops after this step and never ends its root span. */
  stallAfter: StepName | null;
  /**
   * BUG orphan: the orchestrator's instrumentation loses this step's calls (no
   * client span, no trace context), so a participant op shows that no
   * coordinator call covers. (With no coordinator span at all the saga would
   * look choreographed, which has no orphans.)
   */
  untracedStep: StepName | null;
  /** BUG retry_storm: retries without backoff. */
  backoff: 'exponential' | 'none';
  undoMaxAttempts: number;
}

export class ScenarioNotApplicable extends Error {}

/** DTM's flows (run by the demo's DTM test double): participants get nothing but DTM's query parameters. */
function sagaHeadersFor(flow: Flow): boolean {
  return !DTM_FLOWS.has(flow);
}

const plain = (faults: Partial<Faults> = {}, link: Link | null = null): AttemptPlan => ({ faults, link });

export function planSaga(
  flow: Flow,
  scenario: Scenario,
  stepNames: readonly StepName[],
  config: DemoConfig,
  rand: () => number,
  opts: { natural: boolean },
): SagaPlan {
  if (!SCENARIOS_BY_FLOW[flow].includes(scenario)) {
    throw new ScenarioNotApplicable(`scenario ${scenario} does not apply to ${flow} (it applies to: ${SCENARIOS_BY_FLOW[flow].join(', ')})`);
  }
  const slowMs = Math.max(config.slowCallMs, 2 * config.callTimeoutMs);
  const steps: Partial<Record<StepName, StepPlan>> = {};
  for (const name of stepNames) {
    const f = faultsOf(config, name);
    const [lo, hi] = f.latencyMs;
    const step: StepPlan = {
      forward: [],
      undo: [],
      maxAttempts: config.retry.maxAttempts,
      latencyMs: opts.natural ? Math.round(lo + rand() * (hi - lo)) : lo,
      timeoutMs: config.callTimeoutMs,
    };
    if (opts.natural && scenario === 'healthy') {
      // At most one natural trouble per step, drawn in order of severity.
      const r = rand();
      // A two-phase message's branch is never refused for good: DTM retries it until it succeeds.
      if (r < f.failureRate && flow !== 'loyalty') step.forward = [plain({ decline: true })];
      else if (r < f.failureRate + f.transientErrorRate) step.forward = [plain({ unavailable: true })];
      // Not in the zero-code flow: without saga.step.result a participant cannot tell that the late
      // first attempt was a barrier no-op, and the dashboard would rightly see two successful runs.
      else if (r < f.failureRate + f.transientErrorRate + f.slowRate && sagaHeadersFor(flow)) step.forward = [plain({ delayMs: slowMs })];
    }
    steps[name] = step;
  }
  const plan: SagaPlan = {
    flow,
    scenario,
    steps,
    // DTM's flows: no spans from the coordinator, nothing but the URL for participants.
    coordinatorSpans: sagaHeadersFor(flow),
    sagaHeaders: sagaHeadersFor(flow),
    undoOrder: 'reverse',
    skipUndoOf: null,
    stallAfter: null,
    untracedStep: null,
    backoff: 'exponential',
    undoMaxAttempts: config.retry.compensationMaxAttempts,
  };
  const last = stepNames[stepNames.length - 1];
  const step = (name: StepName) => steps[name] as StepPlan;
  switch (scenario) {
    case 'healthy':
      break;
    case 'orphan':
      plan.untracedStep = stepNames[1] ?? last;
      break;
    case 'retried_timeout':
      // The first charge outlasts the call timeout; the retry charges; the first one, late, finds
      // the retry's barrier row and does nothing.
      step('charge-payment').forward = [plain({ delayMs: slowMs })];
      break;
    case 'action_fails':
      // The last step fails, so every earlier one has something to undo.
      step(last).forward = [plain({ decline: true })];
      break;
    case 'compensation_fails':
      step(last).forward = [plain({ decline: true })];
      step('charge-payment').undo = Array.from({ length: plan.undoMaxAttempts }, () => plain({ error: true }));
      break;
    case 'compensation_skipped':
      step(last).forward = [plain({ decline: true })];
      plan.skipUndoOf = 'reserve-inventory';
      break;
    case 'compensation_out_of_order':
      step(last).forward = [plain({ decline: true })];
      plan.undoOrder = 'forward';
      break;
    case 'duplicate_execution':
      // The charge commits, its answer is late, the orchestrator retries, and
      // the participant's buggy path skips the barrier: charged twice.
      step('charge-payment').forward = [plain({ noBarrier: true, slowResponseMs: slowMs }), plain({ noBarrier: true })];
      break;
    case 'stalled':
      plan.stallAfter = 'reserve-inventory';
      break;
    case 'retry_storm':
      step('charge-payment').forward = Array.from({ length: config.stormAttempts - 1 }, () => plain({ unavailable: true }));
      step('charge-payment').maxAttempts = config.stormAttempts;
      plan.backoff = 'none';
      break;
    case 'hanging_action': {
      // The network holds the reservation past the call timeout; the orchestrator
      // gives up on it at once and compensates; the reservation arrives afterwards.
      const hold = Math.max(config.hangDelayMs, 2 * config.callTimeoutMs);
      step('reserve-inventory').forward = [plain({}, { kind: 'delay', delayMs: hold })];
      step('reserve-inventory').maxAttempts = 1;
      break;
    }
    case 'compensation_retried':
      // The last step is refused; the first step's compensation fails twice (DTM retries it, backing off).
      step(last).forward = [plain({ decline: true })];
      step(stepNames[0]).undo = [plain({ unavailable: true }), plain({ unavailable: true })];
      break;
    case 'submit_lost':
      // The application commits its local transaction and never tells DTM (see orchestrator/dtm-runner.ts).
      break;
  }
  return plan;
}

/** The plan of attempt `attempt` (1-based) of a step's forward op, its undo, or (TCC) its confirm. */
export function attemptPlan(step: StepPlan, phase: 'forward' | 'undo' | 'confirm', attempt: number): AttemptPlan {
  const planned = (phase === 'confirm' ? undefined : step[phase][attempt - 1]) ?? plain();
  if (planned.faults.delayMs !== undefined || step.latencyMs === 0) return planned;
  return { ...planned, faults: { ...planned.faults, delayMs: step.latencyMs } };
}

/** Wait before attempt `attempt + 1`: exponential with ±20% jitter, or (the bug) a short constant. */
export function backoffMs(plan: SagaPlan, config: DemoConfig, attempt: number, rand: () => number): number {
  if (plan.backoff === 'none') return 20;
  const base = config.retry.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(config.retry.maxDelayMs, Math.round(base * (0.8 + 0.4 * rand())));
}
