/**
 * Carries out a coordinator control (plan.ts `coordinatorCall`): one call of
 * DTM's own API (resetNextCronTime, forceStop, abort: dtmsvr/api_http.go) to
 * the configured DTM server that owns the gid — never any other host (the DTM
 * client refuses servers not in SAGASCOPE_DTM_SERVERS). Audited like a branch
 * call: the intent before anything leaves the process (no record, no call),
 * the outcome after, with DTM's answer. The audit action is the control's
 * name (`coordinator.retry_now` …) and the request names the DTM call
 * (`POST http://dtm:36789/api/dtmsvr/forceStop`), so the trail says what was
 * asked of the coordinator.
 */
import type { ActionPlan } from './plan';
import type { CallResult, ExecuteContext, ExecutionReport } from './execute';
import type { AuditInput, AuditRecord } from '../audit/store';
import type { DtmControl, DtmControlAnswer } from '../dtm/client';
import { DtmError } from '../dtm/client';
import { MAX_BODY_CHARS } from './execute';
import { log, errorFields } from '../log';

export interface CoordinatorCallDeps {
  audit(input: AuditInput): Promise<AuditRecord>;
  control(server: string, op: DtmControl, body: { gid: string; trans_type?: string }): Promise<DtmControlAnswer>;
}

export async function executeCoordinatorCall(plan: ActionPlan, ctx: ExecuteContext, deps: CoordinatorCallDeps): Promise<ExecutionReport> {
  const cc = plan.coordinatorCall;
  if (!cc || plan.refusal !== null) return { ok: false, results: [], audit: [] };
  const url = `${cc.server}/api/dtmsvr/${cc.endpoint}`;
  const call = `${cc.method} ${url}`;
  const audit: AuditRecord[] = [];
  const intent = await deps.audit({
    ...ctx.actor,
    action: plan.action,
    sagaId: ctx.saga.id,
    step: null,
    outcome: 'intent',
    reason: ctx.reason,
    request: { call, server: cc.server, endpoint: cc.endpoint, body: cc.body, coordinatorStatus: plan.evidence.coordinatorStatus ?? null, ...ctx.extra },
  });
  audit.push(intent);
  const result: CallResult = {
    order: 1, step: 'DTM', op: cc.endpoint, attempt: 1, url, idempotencyKey: '', outcome: 'failed', httpStatus: null, durationMs: null,
    responseBody: null, refusal: null, error: null, traceId: null, spanId: null, auditIntent: intent.seq, auditOutcome: null,
  };
  let answer: DtmControlAnswer | null = null;
  try {
    answer = await deps.control(cc.server, cc.endpoint, cc.body);
    result.httpStatus = answer.httpStatus;
    result.durationMs = answer.durationMs;
    const body = JSON.stringify({ dtm_result: answer.dtmResult, message: answer.message });
    result.responseBody = body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}…` : body;
    if (answer.ok) result.outcome = 'ok';
    else result.error = `DTM refused ${cc.endpoint} (HTTP ${answer.httpStatus}${answer.dtmResult ? `, ${answer.dtmResult}` : ''})${answer.message ? `: ${answer.message.slice(0, 300)}` : ''}`;
  } catch (err) {
    result.outcome = err instanceof DtmError && err.kind === 'refused' ? 'refused' : 'failed';
    result.error = err instanceof Error ? err.message : String(err);
  }
  try {
    const outcome = await deps.audit({
      ...ctx.actor,
      action: plan.action,
      sagaId: ctx.saga.id,
      step: null,
      outcome: result.outcome,
      ref: intent.seq,
      request: { call, ...ctx.extra },
      result: {
        httpStatus: result.httpStatus,
        dtmResult: answer?.dtmResult ?? null,
        message: answer?.message?.slice(0, 500) ?? null,
        durationMs: result.durationMs === null ? null : Math.round(result.durationMs * 1000) / 1000,
        error: result.error,
      },
    });
    audit.push(outcome);
    result.auditOutcome = outcome.seq;
  } catch (err) {
    log.error('could not record the outcome of a coordinator call', { sagaId: ctx.saga.id, call, ...errorFields(err) });
    result.error = `${result.error ? `${result.error}; ` : ''}its outcome could not be recorded in the audit trail`;
    return { ok: false, results: [result], audit };
  }
  return { ok: result.outcome === 'ok', results: [result], audit };
}
