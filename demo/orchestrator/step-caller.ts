/**
 * One step call as an orchestrator makes it: DTM's branch URL, the saga
 * context for instrumented participants, per-call timeout, retries with
 * backoff on anything that may be transient. What goes wrong comes from the
 * saga's plan (plan.ts), never from chance here.
 */
import type http from 'node:http';
import type { DemoConfig } from '../config';
import { FAULT_HEADER, formatFaults } from '../faults';
import type { ServiceName } from '../services/catalog';
import { dtmQuery, sagaHeaders, type SagaOp, type SagaProtocol } from '../telemetry/saga-context';
import type { ChaosNetwork } from './chaos-network';
import type { StepDef } from './flows';
import { postJson, type CallResult } from './http-client';
import { attemptPlan, backoffMs, type SagaPlan, type StepPlan } from './plan';

export interface CallDeps {
  config: DemoConfig;
  serviceUrls: Readonly<Record<ServiceName, string>>;
  /** The DTM the DTM-run flows go through (the demo's DTM test double). */
  dtmUrl: string;
  network: ChaosNetwork;
  agent: http.Agent;
  rand: () => number;
}

export interface SagaIdentity {
  gid: string;
  name: string;
  protocol: SagaProtocol;
}

export interface StepRecord {
  step: string;
  op: SagaOp;
  attempts: number;
  result: CallResult['kind'];
  /** What the participant's barrier did, when it answered. */
  barrier: string | null;
  error: string | null;
}

const UNDO_OPS: readonly SagaOp[] = ['compensate', 'cancel'];

/** A forward call whose outcome is unknown must be undone too: it may have run, or may still run. */
export function mayHaveRun(r: StepRecord): boolean {
  return r.result === 'timeout' || r.result === 'network' || r.result === 'failed';
}

export async function callStep(deps: CallDeps, saga: SagaIdentity, plan: SagaPlan, step: StepDef, op: SagaOp): Promise<StepRecord> {
  const stepPlan = plan.steps[step.name] as StepPlan;
  const phase = UNDO_OPS.includes(op) ? 'undo' : op === 'confirm' ? 'confirm' : 'forward';
  const path = phase === 'undo' ? step.undoPath : phase === 'confirm' ? (step.confirmPath as string) : step.forwardPath;
  const maxAttempts = phase === 'forward' ? stepPlan.maxAttempts : plan.undoMaxAttempts;
  // Like DTM, the zero-code flow puts the branch identity in the URL; instrumented calls carry it in headers.
  const query = plan.sagaHeaders ? '' : `?${dtmQuery({ gid: saga.gid, protocol: saga.protocol, branchId: step.branchId, op })}`;
  const url = `${deps.serviceUrls[step.service]}${path}${query}`;

  let result: CallResult = { kind: 'network', error: 'not called' };
  let attempt = 0;
  while (attempt < maxAttempts) {
    attempt++;
    const planned = attemptPlan(stepPlan, phase, attempt);
    const headers: Record<string, string> = {};
    if (plan.sagaHeaders) {
      Object.assign(headers, sagaHeaders({
        gid: saga.gid, name: saga.name, protocol: saga.protocol, step: step.name, stepIndex: step.index,
        branchId: step.branchId, op, attempt,
      }));
    }
    const fault = formatFaults(planned.faults);
    if (fault !== null) headers[FAULT_HEADER] = fault;
    const target = planned.link ? await deps.network.route(url, planned.link) : url;
    // A fresh connection through the chaos network, so that one connection carries one request.
    result = await postJson(target, step.body, { headers, timeoutMs: stepPlan.timeoutMs, agent: planned.link ? false : deps.agent });
    if (result.kind === 'ok' || result.kind === 'refused') break;
    if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, backoffMs(plan, deps.config, attempt, deps.rand)));
  }
  return {
    step: step.name,
    op,
    attempts: attempt,
    result: result.kind,
    barrier: result.kind === 'ok' ? (result.reply.barrier ?? null) : null,
    error: result.kind === 'ok' ? null : result.error,
  };
}
