import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, propagation } from '@opentelemetry/api';
import { core, tracing } from '@opentelemetry/sdk-node';
import { executePlan, MAX_BODY_CHARS, type ExecuteDeps } from './execute';
import { planAction, type ActionPlan } from './plan';
import { CallRefused, type SafeCallResult } from './safe-call';
import { sagaAfter, sagaSpans } from '../../test/support/saga-fixtures';
import type { SagaSpan } from '../saga/types';
import type { AuditInput, AuditRecord } from '../audit/store';

// ---- a tracer that keeps what it exports -----------------------------------------------------

const exported: tracing.ReadableSpan[] = [];
const provider = new tracing.BasicTracerProvider({
  spanProcessors: [
    new tracing.SimpleSpanProcessor({
      export: (spans, done) => {
        exported.push(...spans);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    }),
  ],
});
const tracer = provider.getTracer('sagascope.actions');

beforeAll(() => {
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
});
afterAll(() => {
  propagation.disable();
});

// ---- fakes for the audit trail and the network -------------------------------------------------

let audit: AuditRecord[];
let calls: { url: string; headers: Record<string, string>; body: string }[];
let answers: Array<SafeCallResult | Error>;

beforeEach(() => {
  exported.length = 0;
  audit = [];
  calls = [];
  answers = [];
});

function deps(over: Partial<ExecuteDeps> = {}): ExecuteDeps {
  return {
    tracer,
    audit: async (input: AuditInput) => {
      const e = {
        id: String(audit.length + 1),
        seq: audit.length + 1,
        at: new Date().toISOString(),
        actor: input.actor,
        role: input.role,
        via: input.via,
        action: input.action,
        sagaId: input.sagaId ?? null,
        step: input.step ?? null,
        request: input.request ?? {},
        result: input.result ?? null,
        outcome: input.outcome,
        reason: input.reason ?? null,
        ref: input.ref ?? null,
        prevHash: '',
        hash: '',
      } satisfies AuditRecord;
      audit.push(e);
      return e;
    },
    call: async (url, init) => {
      calls.push({ url, headers: init.headers, body: init.body });
      const a = answers.shift() ?? { status: 200, body: '{"ok":true}', durationMs: 3, address: '127.0.0.1' };
      if (a instanceof Error) throw a;
      return a;
    },
    ...over,
  };
}

const ok = (status = 200, body = '{"ok":true}'): SafeCallResult => ({ status, body, durationMs: 4.2, address: '127.0.0.1' });

// ---- a failed saga: a and b succeeded, c failed, nothing compensated --------------------------------

const URL_OF = (step: string) => `http://inventory.internal:8080/${step}/undo?gid=G1&trans_type=saga&branch_id=0${step === 'a' ? 1 : 2}&op=compensate`;

function failedSaga(): { spans: SagaSpan[]; plan: ActionPlan } {
  const spans = sagaSpans({ sagaId: 'G1', sagaName: 'checkout', steps: ['a', 'b', 'c'] })
    .root({ at: 0, dur: 100 })
    .action('a', { at: 0, branchId: '01' })
    .action('b', { at: 10, branchId: '02' })
    .action('c', { at: 20, branchId: '03', fail: 'declined' })
    .build()
    .map((s) => (s.branchId && s.step !== 'c' ? { ...s, compensateUrl: URL_OF(s.step!) } : s));
  return { spans, plan: planAction(sagaAfter(spans), spans, { action: 'compensate' }) };
}

const CTX = {
  saga: { id: 'G1', name: 'checkout', protocol: 'saga' as const },
  actor: { actor: 'olivia', role: 'operator', via: 'session' },
  reason: 'INC-42: stock stuck reserved',
};

describe('executePlan', () => {
  it('calls the plan in order with idempotency key, trace context and saga headers; audits intent then outcome', async () => {
    const { plan } = failedSaga();
    expect(plan.calls.map((c) => c.step)).toEqual(['b', 'a']);
    const report = await executePlan(plan, CTX, deps());

    expect(report.ok).toBe(true);
    expect(calls.map((c) => c.url)).toEqual([URL_OF('b'), URL_OF('a')]);
    const [first] = calls;
    expect(first!.body).toBe('{}');
    expect(first!.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': plan.calls[0]!.idempotencyKey,
      'x-saga-id': 'G1',
      'x-saga-name': 'checkout',
      'x-saga-protocol': 'saga',
      'x-saga-step': 'b',
      'x-saga-step-index': '2',
      'x-saga-branch-id': '02',
      'x-saga-op': 'compensate',
      'x-saga-attempt': '1',
      'x-saga-trigger': 'manual',
    });

    // traceparent names the call's own CLIENT span.
    expect(exported).toHaveLength(2);
    const span = exported[0]!;
    expect(first!.headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(span.name).toBe('manual compensate b');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.attributes).toMatchObject({
      'saga.id': 'G1',
      'saga.name': 'checkout',
      'saga.step': 'b',
      'saga.step.index': 2,
      'saga.op': 'compensate',
      'saga.attempt': 1,
      'saga.role': 'coordinator',
      'saga.branch_id': '02',
      'saga.trigger': 'manual',
      'http.response.status_code': 200,
      // the query (gid=…) is not recorded on the span
      'url.full': 'http://inventory.internal:8080/b/undo',
    });
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);

    expect(audit.map((e) => [e.action, e.step, e.outcome, e.ref])).toEqual([
      ['saga.compensate', 'b', 'intent', null],
      ['saga.compensate', 'b', 'ok', 1],
      ['saga.compensate', 'a', 'intent', null],
      ['saga.compensate', 'a', 'ok', 3],
    ]);
    expect(audit[0]).toMatchObject({ sagaId: 'G1', reason: CTX.reason, actor: 'olivia', request: { url: URL_OF('b'), idempotencyKey: plan.calls[0]!.idempotencyKey, order: 1, of: 2 } });
    expect(audit[1]!.result).toMatchObject({ httpStatus: 200, body: '{"ok":true}', traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(report.results.map((r) => [r.step, r.outcome, r.httpStatus, r.auditIntent, r.auditOutcome])).toEqual([
      ['b', 'ok', 200, 1, 2],
      ['a', 'ok', 200, 3, 4],
    ]);
    expect(report.audit).toEqual(audit);
  });

  it('stops at the first call that does not succeed: later ones are not called', async () => {
    const { plan } = failedSaga();
    answers = [ok(503, 'x'.repeat(5000))];
    const report = await executePlan(plan, CTX, deps());
    expect(report.ok).toBe(false);
    expect(calls).toHaveLength(1);
    expect(report.results.map((r) => [r.step, r.outcome])).toEqual([
      ['b', 'failed'],
      ['a', 'not_called'],
    ]);
    expect(report.results[0]!.error).toMatch(/HTTP 503/);
    expect(report.results[0]!.responseBody!.length).toBe(MAX_BODY_CHARS + 1);
    expect(audit.map((e) => e.outcome)).toEqual(['intent', 'failed']);
    expect((audit[1]!.result as { httpStatus: number }).httpStatus).toBe(503);
    expect(exported).toHaveLength(1);
    expect(exported[0]!.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(exported[0]!.attributes['error.type']).toBe('503');
  });

  it('records a policy refusal at call time (a redirect) as refused, and a timeout as failed', async () => {
    const { plan } = failedSaga();
    answers = [new CallRefused('redirect', 'refused to follow a 302 redirect to http://169.254.169.254/')];
    let report = await executePlan(plan, CTX, deps());
    expect(report.results.map((r) => r.outcome)).toEqual(['refused', 'not_called']);
    expect(report.results[0]!.refusal).toEqual({ reason: 'redirect', message: expect.stringContaining('302') });
    expect(audit[1]).toMatchObject({ outcome: 'refused', result: { refusal: { reason: 'redirect' } } });

    audit = [];
    calls = [];
    answers = [new CallRefused('timeout', 'no answer within 10000 ms')];
    report = await executePlan(plan, CTX, deps());
    expect(report.results.map((r) => r.outcome)).toEqual(['failed', 'not_called']);
    expect(report.results[0]!.refusal?.reason).toBe('timeout');
  });

  it('calls nothing when the intent cannot be recorded', async () => {
    const { plan } = failedSaga();
    await expect(
      executePlan(plan, CTX, deps({ audit: async () => Promise.reject(new Error('database is down')) })),
    ).rejects.toThrow('database is down');
    expect(calls).toHaveLength(0);
    expect(exported).toHaveLength(0);
  });

  it('goes no further when an outcome cannot be recorded, but reports the call that happened', async () => {
    const { plan } = failedSaga();
    const d = deps();
    let n = 0;
    const inner = d.audit;
    d.audit = async (input) => (++n === 2 ? Promise.reject(new Error('lost connection')) : inner(input));
    const report = await executePlan(plan, CTX, d);
    expect(calls).toHaveLength(1);
    expect(report.ok).toBe(false);
    expect(report.results.map((r) => r.outcome)).toEqual(['ok', 'not_called']);
    expect(report.results[0]!.error).toMatch(/could not be recorded/);
  });

  it('calls nothing for a refused plan', async () => {
    const { spans } = failedSaga();
    const refused = planAction(sagaAfter(spans), spans, { action: 'retry', step: 'a' });
    expect(refused.refusal).toMatch(/already succeeded/);
    const report = await executePlan(refused, CTX, deps());
    expect(report.ok).toBe(false);
    expect(calls).toHaveLength(0);
    expect(audit).toHaveLength(0);
  });

  it('leaves out saga headers whose value cannot travel as a header, and never alters the URL', async () => {
    const { plan } = failedSaga();
    const odd: ActionPlan = { ...plan, calls: [{ ...plan.calls[0]!, step: 'réserver\nstock', url: `${URL_OF('b')}&x=%20y` }] };
    await executePlan(odd, CTX, deps());
    expect(calls[0]!.url).toBe(`${URL_OF('b')}&x=%20y`);
    expect(calls[0]!.headers['x-saga-step']).toBeUndefined();
    expect(calls[0]!.headers['x-saga-id']).toBe('G1');
    expect(exported[0]!.attributes['saga.step']).toBe('réserver\nstock');
  });
});
