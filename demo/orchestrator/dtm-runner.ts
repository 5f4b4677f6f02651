/**
 * The demo's application side of DTM-run flows: what a Go service using
 * dtmcli does, done against the demo's DTM test double (demo/dtm).
 *
 *   refund      saga   submit the steps; DTM calls every action, and on a 409 the compensations
 *   transfer    TCC    prepare; per branch registerBranch (confirm / cancel) then call its try
 *                      (dtmcli tcc.go CallBranch); submit, or abort when a try failed
 *   loyalty     msg    prepare (with the check-back URL); the local transaction; submit
 *                      (submit_lost: never submitted, DTM asks back)
 *   stock-move  XA     prepare; per branch call its action (the local prepare) and register it;
 *                      submit, or abort when one was refused
 *
 * Every call is untraced — the application's own calls to its branches (TCC
 * try, XA action) carry DTM's query parameters and no trace context, and DTM
 * emits no spans — so each branch call is a zero-code span of its own. (With
 * dtmcli, the XA participant registers its own branch; here the application
 * does it right after the action: the same rows in DTM's tables.)
 * Faults reach the branches DTM calls in the x-demo-dtm-fault header, sent by
 * DTM on every call as the transaction's branch_headers option.
 */
import http from 'node:http';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { DTM_FAULT_HEADER, FAULT_HEADER, formatDtmFaults, formatFaults, type Faults } from '../faults';
import { untracedContext } from '../telemetry/sdk';
import type { SagaProtocol } from '../telemetry/saga-context';
import type { Flow } from '../scenarios';
import { LOYALTY_LOCAL_PATH, LOYALTY_QUERY_PREPARED_PATH, type StepDef } from './flows';
import { postJson } from './http-client';
import { attemptPlan, type SagaPlan, type StepPlan } from './plan';
import type { OrchestratorVerdict, SagaOutcome } from './saga-runner';
import type { CallDeps } from './step-caller';

export interface DtmRun {
  gid: string;
  flow: Flow;
  plan: SagaPlan;
  steps: StepDef[];
  /** loyalty: the local transaction's body. */
  local?: unknown;
}

const PROTOCOL: Record<string, 'saga' | 'tcc' | 'msg' | 'xa'> = { refund: 'saga', transfer: 'tcc', loyalty: 'msg', 'stock-move': 'xa' };

function untraced<T>(fn: () => Promise<T>): Promise<T> {
  return context.with(untracedContext(ROOT_CONTEXT), fn);
}

async function dtmCall(deps: CallDeps, op: string, body: unknown): Promise<{ status: number; text: string }> {
  const url = `${deps.dtmUrl}/api/dtmsvr/${op}`;
  const payload = JSON.stringify(body);
  return untraced(
    () =>
      new Promise((resolve, reject) => {
        // A fresh connection per call (agent: false): Node's default agent keeps sockets alive, and one
        // reused just as the server's keep-alive timeout closes it fails with "socket hang up".
        const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: 10_000 }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
        req.end(payload);
      }),
  );
}

async function mustDtm(deps: CallDeps, op: string, body: unknown): Promise<void> {
  const r = await dtmCall(deps, op, body);
  if (r.status !== 200) throw new Error(`DTM ${op}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
}

async function dtmStatus(deps: CallDeps, gid: string): Promise<string | null> {
  const r = await untraced(() => fetch(`${deps.dtmUrl}/api/dtmsvr/query?gid=${encodeURIComponent(gid)}`));
  const json = (await r.json()) as { transaction?: { status?: string } | null };
  return json.transaction?.status ?? null;
}

/**
 * registerBranch; false when DTM refuses it (FAILURE: the transaction is no
 * longer prepared — e.g. DTM timed it out and is rolling it back).
 */
async function registerBranch(deps: CallDeps, body: Record<string, string>): Promise<boolean> {
  const r = await dtmCall(deps, 'registerBranch', body);
  if (r.status === 409) return false;
  if (r.status !== 200) throw new Error(`DTM registerBranch: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  return true;
}

/** Submit, or abort; an abort DTM refuses (it already moved the transaction on) is left to DTM. */
async function endPhaseOne(deps: CallDeps, ok: boolean, body: unknown): Promise<void> {
  if (ok) return mustDtm(deps, 'submit', body);
  const r = await dtmCall(deps, 'abort', body);
  if (r.status !== 200 && r.status !== 409) throw new Error(`DTM abort: HTTP ${r.status} ${r.text.slice(0, 200)}`);
}

/** Waits until DTM says succeed or failed; null when it has not within `timeoutMs`. */
async function awaitFinal(deps: CallDeps, gid: string, timeoutMs: number): Promise<'succeed' | 'failed' | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await dtmStatus(deps, gid).catch(() => null);
    if (s === 'succeed' || s === 'failed') return s;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

/** The plan's faults of a step, as DTM will meet them: a refusal, or the first N attempts failing. */
function branchFaults(attempts: StepPlan['forward']): Partial<Faults> {
  const first = attempts[0]?.faults ?? {};
  if (first.decline) return { decline: true };
  const transient = attempts.filter((a) => a.faults.unavailable || a.faults.error).length;
  return transient > 0 ? { failFirst: transient } : {};
}

function faultHeaderFor(run: DtmRun, forwardOp: string, undoOp: string | null): Record<string, string> | undefined {
  const targets: Record<string, Partial<Faults>> = {};
  for (const s of run.steps) {
    const plan = run.plan.steps[s.name] as StepPlan;
    targets[`${s.branchId}/${forwardOp}`] = { ...branchFaults(plan.forward), ...(plan.latencyMs > 0 ? { delayMs: plan.latencyMs } : {}) };
    if (undoOp) targets[`${s.branchId}/${undoOp}`] = branchFaults(plan.undo);
  }
  const header = formatDtmFaults(targets);
  return header === null ? undefined : { [DTM_FAULT_HEADER]: header };
}

/** A branch call the application makes itself (TCC try, XA action), with DTM's query parameters. */
async function callOwnBranch(deps: CallDeps, run: DtmRun, step: StepDef, transType: string, op: string) {
  const url = new URL(`${deps.serviceUrls[step.service]}${step.forwardPath}`);
  // dtmcli/dtmimp/trans_base.go TransRequestBranch: dtm, gid, branch_id, trans_type, op (+ phase2_url for XA).
  url.searchParams.set('dtm', `${deps.dtmUrl}/api/dtmsvr`);
  url.searchParams.set('gid', run.gid);
  url.searchParams.set('branch_id', step.branchId);
  url.searchParams.set('trans_type', transType);
  url.searchParams.set('op', op);
  if (transType === 'xa') url.searchParams.set('phase2_url', `${deps.serviceUrls[step.service]}${step.forwardPath}`);
  const planned = attemptPlan(run.plan.steps[step.name] as StepPlan, 'forward', 1);
  const fault = formatFaults(planned.faults);
  // One connection per call, as DTM's client gives each branch call: no keep-alive race to misread as a failed try.
  return untraced(() => postJson(url.toString(), step.body, { headers: fault ? { [FAULT_HEADER]: fault } : {}, timeoutMs: 3_000, agent: false }));
}

function verdictOf(final: 'succeed' | 'failed' | null): OrchestratorVerdict {
  return final === 'succeed' ? 'committed' : final === 'failed' ? 'compensated' : 'stalled';
}

/** Runs one DTM-coordinated flow and waits (bounded) for DTM's final word. */
export async function runDtm(deps: CallDeps, run: DtmRun): Promise<SagaOutcome> {
  const transType = PROTOCOL[run.flow];
  const t = deps.config.dtm;
  const waitMs = Math.max(60_000, (t.timeoutToFailS + 4 * t.retryIntervalS + 2 * t.cronIntervalS) * 1000 + 10_000);
  const url = (s: StepDef, path: string) => `${deps.serviceUrls[s.service]}${path}`;
  let final: 'succeed' | 'failed' | null;
  if (transType === 'saga') {
    const branch_headers = faultHeaderFor(run, 'action', 'compensate');
    await mustDtm(deps, 'submit', {
      gid: run.gid, trans_type: 'saga', branch_headers,
      steps: run.steps.map((s) => ({ action: url(s, s.forwardPath), compensate: url(s, s.undoPath) })),
      payloads: run.steps.map((s) => JSON.stringify(s.body)),
    });
    final = await awaitFinal(deps, run.gid, waitMs);
  } else if (transType === 'tcc') {
    const branch_headers = faultHeaderFor(run, 'confirm', 'cancel');
    await mustDtm(deps, 'prepare', { gid: run.gid, trans_type: 'tcc', branch_headers });
    let tried = true;
    for (const s of run.steps) {
      const registered = await registerBranch(deps, {
        gid: run.gid, trans_type: 'tcc', branch_id: s.branchId, data: JSON.stringify(s.body),
        confirm: url(s, s.confirmPath as string), cancel: url(s, s.undoPath),
      });
      if (!registered || (await callOwnBranch(deps, run, s, 'tcc', 'try')).kind !== 'ok') {
        tried = false;
        break;
      }
    }
    await endPhaseOne(deps, tried, { gid: run.gid, trans_type: 'tcc', branch_headers });
    final = await awaitFinal(deps, run.gid, waitMs);
  } else if (transType === 'xa') {
    const branch_headers = faultHeaderFor(run, 'commit', 'rollback');
    await mustDtm(deps, 'prepare', { gid: run.gid, trans_type: 'xa', branch_headers });
    let prepared = true;
    for (const s of run.steps) {
      if ((await callOwnBranch(deps, run, s, 'xa', 'action')).kind !== 'ok') {
        prepared = false;
        break;
      }
      if (!(await registerBranch(deps, { gid: run.gid, trans_type: 'xa', branch_id: s.branchId, url: url(s, s.forwardPath), data: '' }))) {
        prepared = false;
        break;
      }
    }
    await endPhaseOne(deps, prepared, { gid: run.gid, trans_type: 'xa', branch_headers });
    final = await awaitFinal(deps, run.gid, waitMs);
  } else {
    const branch_headers = faultHeaderFor(run, 'action', null);
    const orderUrl = deps.serviceUrls.order;
    const msg = {
      gid: run.gid, trans_type: 'msg', branch_headers, query_prepared: `${orderUrl}${LOYALTY_QUERY_PREPARED_PATH}`,
      steps: run.steps.map((s) => ({ action: url(s, s.forwardPath) })),
      payloads: run.steps.map((s) => JSON.stringify(s.body)),
    };
    await mustDtm(deps, 'prepare', msg);
    const local = await untraced(() => postJson(`${orderUrl}${LOYALTY_LOCAL_PATH}`, run.local, { headers: {}, timeoutMs: 3_000, agent: false }));
    if (local.kind === 'refused') await mustDtm(deps, 'abort', msg);
    // Any other outcome of the local transaction is left to DTM's check-back, as dtmcli does.
    else if (local.kind === 'ok' && run.plan.scenario !== 'submit_lost') await mustDtm(deps, 'submit', msg);
    final = await awaitFinal(deps, run.gid, waitMs);
  }
  return { gid: run.gid, flow: run.flow, scenario: run.plan.scenario, protocol: transType as SagaProtocol, verdict: verdictOf(final), calls: [] };
}
