/**
 * Runs one saga (checkout) the way a hand-written orchestrator does, with the
 * bugs its plan switches on. (The DTM-run flows go through dtm-runner.ts.)
 *
 * Coordinator spans: a root span per saga (saga.id, saga.name, saga.protocol,
 * saga.role=coordinator) in a trace of its own, and under it the client span
 * of every call, which the HTTP instrumentation gives the saga.* fields of the
 * call (telemetry/sdk.ts). The calls of the step whose spans the orphan
 * scenario loses run untraced.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { untracedContext } from '../telemetry/sdk';
import type { SagaProtocol } from '../telemetry/saga-context';
import type { StepDef } from './flows';
import type { SagaPlan } from './plan';
import { callStep, mayHaveRun, type CallDeps, type SagaIdentity, type StepRecord } from './step-caller';

export type OrchestratorVerdict = 'committed' | 'compensated' | 'failed' | 'stalled';

export interface SagaOutcome {
  gid: string;
  flow: string;
  scenario: string;
  protocol: SagaProtocol;
  /** What the orchestrator believes; the dashboard may rightly disagree (that is the point of the bugs). */
  verdict: OrchestratorVerdict;
  calls: StepRecord[];
}

export interface SagaRun {
  identity: SagaIdentity;
  plan: SagaPlan;
  steps: StepDef[];
}

async function withCoordinatorSpan(
  tracer: Tracer,
  run: SagaRun,
  body: () => Promise<OrchestratorVerdict>,
): Promise<OrchestratorVerdict> {
  if (!run.plan.coordinatorSpans) return context.with(untracedContext(ROOT_CONTEXT), body);
  const root = tracer.startSpan(`${run.identity.name} saga`, {
    root: true,
    kind: SpanKind.INTERNAL,
    attributes: {
      'saga.id': run.identity.gid,
      'saga.name': run.identity.name,
      'saga.protocol': run.identity.protocol,
      'saga.role': 'coordinator',
      'demo.scenario': run.plan.scenario,
    },
  }, ROOT_CONTEXT); // not the caller's context: the control API's requests are untraced (tracing suppressed)
  const verdict = await context.with(trace.setSpan(ROOT_CONTEXT, root), body);
  // A stalled orchestrator never gets here for real; the span is simply never ended (nor exported).
  if (verdict === 'stalled') return verdict;
  if (verdict === 'failed') root.setStatus({ code: SpanStatusCode.ERROR, message: 'saga left inconsistent: a compensation or confirmation failed' });
  root.end();
  return verdict;
}

/** A call; untraced for the step whose coordinator spans the plan loses (orphan). */
function call(deps: CallDeps, run: SagaRun, step: StepDef, op: Parameters<typeof callStep>[4]): Promise<StepRecord> {
  if (run.plan.untracedStep !== step.name) return callStep(deps, run.identity, run.plan, step, op);
  return context.with(untracedContext(), () => callStep(deps, run.identity, run.plan, step, op));
}

/** Compensates `done` (steps that ran or may have run), as the plan orders it. */
async function undo(deps: CallDeps, run: SagaRun, done: StepDef[], op: 'compensate' | 'cancel', calls: StepRecord[]): Promise<OrchestratorVerdict> {
  const order = run.plan.undoOrder === 'reverse' ? [...done].reverse() : done;
  let allUndone = true;
  for (const step of order) {
    if (step.name === run.plan.skipUndoOf) continue; // the bug: this step is forgotten
    const r = await call(deps, run, step, op);
    calls.push(r);
    if (r.result !== 'ok') allUndone = false;
  }
  return allUndone ? 'compensated' : 'failed';
}

export async function runSaga(deps: CallDeps, tracer: Tracer, run: SagaRun): Promise<SagaOutcome> {
  const calls: StepRecord[] = [];
  const verdict = await withCoordinatorSpan(tracer, run, async () => {
    const done: StepDef[] = [];
    for (const step of run.steps) {
      const r = await call(deps, run, step, 'action');
      calls.push(r);
      const ran = r.result === 'ok' && r.barrier !== 'rejected';
      if (ran || mayHaveRun(r)) done.push(step);
      if (!ran) return undo(deps, run, done, 'compensate', calls);
      if (run.plan.stallAfter === step.name) return 'stalled';
    }
    return 'committed';
  });
  return outcome(run, verdict, calls);
}

function outcome(run: SagaRun, verdict: OrchestratorVerdict, calls: StepRecord[]): SagaOutcome {
  return {
    gid: run.identity.gid,
    flow: run.plan.flow,
    scenario: run.plan.scenario,
    protocol: run.identity.protocol,
    verdict,
    calls,
  };
}
