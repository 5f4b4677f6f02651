/**
 * Carries out an action plan (lib/actions/plan.ts): its calls in order, one at
 * a time, stopping at the first that does not succeed (an HTTP status outside
 * 2xx, a refusal by the network policy, a timeout) — later steps must not be
 * undone before earlier ones. For each call:
 *
 *   1. audit intent   (before anything leaves the process; if that cannot be
 *                      recorded, nothing is called)
 *   2. HTTP POST      through safeCall (allowlist, pinned DNS, no redirects,
 *                      timeout) inside a CLIENT span `manual <action> <step>`
 *                      with the saga.* attributes and saga.trigger=manual, its
 *                      W3C trace context injected into the request
 *   3. audit outcome  (status, duration, start of the response body, or the
 *                      refusal), referring to the intent
 *
 * What participants receive: the recorded URL exactly as recorded (zero-code
 * DTM URLs already carry gid, trans_type, branch_id and op in their query), the
 * body `{}`, and the headers
 *   Idempotency-Key, traceparent (+ tracestate),
 *   x-saga-id, x-saga-name, x-saga-protocol, x-saga-step, x-saga-step-index,
 *   x-saga-branch-id, x-saga-op, x-saga-attempt   (the demo fleet's convention,
 *                                                 demo/telemetry/saga-context.ts)
 *   x-saga-trigger: manual.
 *
 * Dependencies (audit writer, HTTP caller, tracer) are passed in, so this module
 * stays free of database and network setup.
 */
import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { ActionPlan, PlannedCall } from './plan';
import type { Protocol } from '../saga/types';
import type { AuditActor } from '../auth/principal';
import type { AuditInput, AuditRecord } from '../audit/store';
import { CallRefused, type RefusalReason, type SafeCallResult } from './safe-call';
import { log, errorFields } from '../log';

/** Response bodies kept in results and audit entries (characters). */
export const MAX_BODY_CHARS = 1000;

export type CallOutcome = 'ok' | 'failed' | 'refused' | 'not_called';

export interface CallResult {
  order: number;
  step: string;
  op: PlannedCall['op'];
  attempt: number;
  url: string;
  idempotencyKey: string;
  /** `not_called`: an earlier call of the plan did not succeed. */
  outcome: CallOutcome;
  httpStatus: number | null;
  durationMs: number | null;
  /** The first MAX_BODY_CHARS characters of the participant's answer. */
  responseBody: string | null;
  /** Set when the call was refused by the network policy, timed out or could not connect. */
  refusal: { reason: RefusalReason; message: string } | null;
  /** A sentence for people; null when the call succeeded. */
  error: string | null;
  /** The manual span of this call (null when it was not called). */
  traceId: string | null;
  spanId: string | null;
  /** seq of the audit entries written for this call. */
  auditIntent: number | null;
  auditOutcome: number | null;
}

export interface ExecutionReport {
  /** Every call was made and succeeded. */
  ok: boolean;
  /** One per planned call, in plan order. */
  results: CallResult[];
  /** The audit entries written, in order. */
  audit: AuditRecord[];
}

export interface ExecuteContext {
  saga: { id: string; name: string | null; protocol: Protocol };
  actor: AuditActor;
  /** The operator's reason, recorded with each intent. */
  reason: string;
  /** Added to every audit entry's request (e.g. the batch the action belongs to). */
  extra?: Record<string, string | number | boolean | null>;
}

export interface ExecuteDeps {
  audit(input: AuditInput): Promise<AuditRecord>;
  call(url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }): Promise<SafeCallResult>;
  tracer: Tracer;
}

const truncate = (s: string) => (s.length > MAX_BODY_CHARS ? `${s.slice(0, MAX_BODY_CHARS)}…` : s);

/** Header values must be printable ASCII; other values are left out rather than sent altered. */
const HEADER_SAFE = /^[\x20-\x7e]{1,1024}$/;

export function sagaHeaders(call: PlannedCall, saga: ExecuteContext['saga']): Record<string, string> {
  const candidates: Record<string, string | null> = {
    'x-saga-id': saga.id,
    'x-saga-name': saga.name,
    'x-saga-protocol': saga.protocol,
    'x-saga-step': call.step,
    'x-saga-step-index': String(call.index),
    'x-saga-branch-id': call.branchId,
    'x-saga-op': call.op,
    'x-saga-attempt': String(call.attempt),
    'x-saga-trigger': 'manual',
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(candidates)) if (v !== null && HEADER_SAFE.test(v)) out[k] = v;
  return out;
}

function spanAttributes(call: PlannedCall, saga: ExecuteContext['saga']): Attributes {
  const attrs: Attributes = {
    'saga.id': saga.id,
    'saga.protocol': saga.protocol,
    'saga.role': 'coordinator',
    'saga.step': call.step,
    'saga.step.index': call.index,
    'saga.op': call.op,
    'saga.attempt': call.attempt,
    'saga.trigger': 'manual',
    'saga.idempotency_key': call.idempotencyKey,
    'http.request.method': 'POST',
  };
  const url = URL.canParse(call.url) ? new URL(call.url) : null;
  if (url) {
    // Without the query: it may carry secrets, and a recorded `gid=` would make the
    // collector derive saga fields from the URL instead of the saga.* attributes above.
    attrs['url.full'] = `${url.origin}${url.pathname}`;
    attrs['server.address'] = url.hostname;
    attrs['server.port'] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  }
  if (saga.name !== null) attrs['saga.name'] = saga.name;
  if (call.branchId !== null) attrs['saga.branch_id'] = call.branchId;
  return attrs;
}

function notCalled(call: PlannedCall): CallResult {
  return {
    order: call.order,
    step: call.step,
    op: call.op,
    attempt: call.attempt,
    url: call.url,
    idempotencyKey: call.idempotencyKey,
    outcome: 'not_called',
    httpStatus: null,
    durationMs: null,
    responseBody: null,
    refusal: null,
    error: 'not called: an earlier call of this action did not succeed',
    traceId: null,
    spanId: null,
    auditIntent: null,
    auditOutcome: null,
  };
}

/** Policy refusals stop a call before or instead of reaching the participant; timeouts and network errors are failures. */
const POLICY_REFUSALS = new Set<RefusalReason>(['bad_url', 'host_not_allowed', 'blocked_address', 'redirect']);

export async function executePlan(plan: ActionPlan, ctx: ExecuteContext, deps: ExecuteDeps): Promise<ExecutionReport> {
  const results: CallResult[] = [];
  const audit: AuditRecord[] = [];
  const action = `saga.${plan.action}`;
  let stopped = plan.refusal !== null || plan.calls.length === 0;

  for (const call of plan.calls) {
    if (stopped) {
      results.push(notCalled(call));
      continue;
    }
    const intent = await deps.audit({
      ...ctx.actor,
      action,
      sagaId: ctx.saga.id,
      step: call.step,
      outcome: 'intent',
      reason: ctx.reason,
      request: {
        scope: plan.scope,
        order: call.order,
        of: plan.calls.length,
        op: call.op,
        attempt: call.attempt,
        branchId: call.branchId,
        url: call.url,
        idempotencyKey: call.idempotencyKey,
        ...ctx.extra,
      },
    });
    audit.push(intent);

    const result: CallResult = { ...notCalled(call), outcome: 'failed', error: null, auditIntent: intent.seq };
    const span = deps.tracer.startSpan(`manual ${plan.action} ${call.step}`, {
      kind: SpanKind.CLIENT,
      // A trace of its own: not a child of whatever request triggered it.
      root: true,
      attributes: spanAttributes(call, ctx.saga),
    });
    const sc = span.spanContext();
    if (trace.isSpanContextValid(sc)) {
      result.traceId = sc.traceId;
      result.spanId = sc.spanId;
    }
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'sagascope-manual-action',
        'idempotency-key': call.idempotencyKey,
        ...sagaHeaders(call, ctx.saga),
      };
      propagation.inject(trace.setSpan(context.active(), span), headers);
      const res = await deps.call(call.url, { method: 'POST', headers, body: '{}' });
      result.httpStatus = res.status;
      result.durationMs = res.durationMs;
      result.responseBody = truncate(res.body);
      span.setAttribute('http.response.status_code', res.status);
      span.setAttribute('network.peer.address', res.address);
      if (res.status >= 200 && res.status < 300) {
        result.outcome = 'ok';
      } else {
        result.outcome = 'failed';
        result.error = `the participant answered HTTP ${res.status}`;
      }
    } catch (err) {
      if (err instanceof CallRefused) {
        result.refusal = { reason: err.reason, message: err.message };
        result.outcome = POLICY_REFUSALS.has(err.reason) ? 'refused' : 'failed';
        result.error = err.message;
      } else {
        result.outcome = 'failed';
        result.error = (err as Error).message || String(err);
      }
    } finally {
      if (result.outcome !== 'ok') {
        span.setAttribute('error.type', result.refusal?.reason ?? (result.httpStatus !== null ? String(result.httpStatus) : 'error'));
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? 'failed' });
      }
      span.end();
    }

    try {
      const outcome = await deps.audit({
        ...ctx.actor,
        action,
        sagaId: ctx.saga.id,
        step: call.step,
        outcome: result.outcome,
        ref: intent.seq,
        request: { order: call.order, idempotencyKey: call.idempotencyKey, ...ctx.extra },
        result: {
          httpStatus: result.httpStatus,
          durationMs: result.durationMs === null ? null : Math.round(result.durationMs * 1000) / 1000,
          body: result.responseBody,
          refusal: result.refusal,
          error: result.error,
          traceId: result.traceId,
          spanId: result.spanId,
        },
      });
      audit.push(outcome);
      result.auditOutcome = outcome.seq;
    } catch (err) {
      // The call happened; say so rather than fail the request, and go no further unrecorded.
      log.error('could not record the outcome of a manual call', { sagaId: ctx.saga.id, step: call.step, ...errorFields(err) });
      result.error = `${result.error ? `${result.error}; ` : ''}its outcome could not be recorded in the audit trail`;
      stopped = true;
    }
    results.push(result);
    if (result.outcome !== 'ok') stopped = true;
  }
  return { ok: !stopped && results.length > 0 && results.every((r) => r.outcome === 'ok'), results, audit };
}
