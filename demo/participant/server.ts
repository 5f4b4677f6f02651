/**
 * The HTTP side shared by the four participant services: DTM-style branch
 * endpoints (`POST /path?gid=…&trans_type=…&branch_id=…&op=…`, or GET when DTM
 * has no body to send), each running its business change through the barrier
 * in one local transaction. One path may serve several ops (an XA branch's
 * action, commit and rollback).
 *
 * Telemetry: for an instrumented caller (x-saga-* headers), the step runs in a
 * span of its own under the HTTP server span, carrying the saga.* attributes,
 * the step's result and its action / compensate URLs. Not on the server span
 * itself: that one ends when the caller hangs up, and a timed-out call goes on
 * running (and its result is what matters). For a zero-code caller (DTM-style
 * query parameters only: DTM, or the application's own TCC try / XA action)
 * nothing is added to the server span — no saga.*, no status: it stays exactly
 * as the stock HTTP instrumentation makes it (ERROR only for a 5xx), which is
 * what a zero-code DTM branch looks like, and the collector reads the URL and
 * the status code.
 *
 * Answers: 200 `{ ok: true, barrier }` when the call is settled — `barrier` is
 * `executed`, `duplicate` (re-sent call, no-op), `null_compensation` (nothing to
 * undo, no-op) or `rejected` (an action after its compensation: refused, no-op).
 * Like DTM, a refused hanging action answers 200, not 409: from the
 * orchestrator's side the branch is settled and there is nothing to retry.
 * 409 `{ ok: false, error }` is a business refusal, 5xx a failure worth retrying.
 */
import { BodyError, readJsonBody, sendJson as send } from '../http-json';
import http from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { z } from 'zod';
import type { Queryable, Sql } from '../db/sql';
import { throughBarrier, type BarrierOp, type BarrierOutcome } from '../db/barrier';
import { DTM_FAULT_HEADER, FAULT_HEADER, dtmFaultsFor, parseFaults, type Faults } from '../faults';
import { dtmQuery, sagaAttributes, sagaCallFromHeaders, type SagaCall, type SagaOp } from '../telemetry/saga-context';
import { BadRequest, BusinessRefusal, InjectedFailure } from './errors';
import { log } from '../log';

const tracer = trace.getTracer('sagascope-demo');

export interface BranchCall {
  gid: string;
  branchId: string;
  transType: 'saga' | 'tcc' | 'msg' | 'xa';
  op: BarrierOp;
}

export interface Endpoint<B = unknown> {
  path: string;
  op: BarrierOp;
  /** The step's forward and compensating endpoints, for saga.action_url / saga.compensate_url. */
  actionPath: string;
  compensatePath: string;
  body: z.ZodType<B>;
  run(tx: Queryable, call: BranchCall, body: B): Promise<unknown>;
  /**
   * false: `run` does its own bookkeeping instead of going through the barrier
   * (the check-back of a two-phase message, which reads the barrier).
   */
  barrier?: false;
  /**
   * The application's own local transaction (a two-phase message's), not a
   * branch call: no DTM query parameters; the gid comes from the body.
   */
  localGid?: (body: B) => string;
}

/** Lets each service declare its endpoints with their body types checked. */
export function endpoint<B>(e: Endpoint<B>): Endpoint<unknown> {
  return e as Endpoint<unknown>;
}

export interface ParticipantOptions {
  service: string;
  sql: Sql;
  endpoints: readonly Endpoint[];
  host: string;
  port: number;
}

export interface RunningParticipant {
  url: string;
  close(): Promise<void>;
}

const dtmQuerySchema = z.object({
  gid: z.string().regex(/^[\w.:-]{1,128}$/),
  trans_type: z.enum(['saga', 'tcc', 'msg', 'xa']),
  branch_id: z.string().regex(/^[\w-]{1,32}$/),
  op: z.enum(['action', 'compensate', 'try', 'confirm', 'cancel', 'commit', 'rollback', 'msg']),
});

/**
 * DTM puts the branch identity in the query string; the demo's instrumented
 * orchestrator sends it in its x-saga-* headers instead, so that its calls are
 * not mistaken for a DTM coordinator's (whose sagas have no coordinator spans
 * by nature, which would hide an orchestrator that lost its instrumentation).
 */
export function branchCallOf(query: URLSearchParams, saga: SagaCall | null): BranchCall | null {
  if (query.has('gid')) {
    const q = dtmQuerySchema.safeParse(Object.fromEntries(query));
    return q.success ? { gid: q.data.gid, branchId: q.data.branch_id, transType: q.data.trans_type, op: q.data.op } : null;
  }
  if (saga === null || !/^[\w.:-]{1,128}$/.test(saga.gid) || !/^[\w-]{1,32}$/.test(saga.branchId)) return null;
  return { gid: saga.gid, branchId: saga.branchId, transType: saga.protocol, op: saga.op as BarrierOp };
}

const FORWARD_OF: Record<BarrierOp, BarrierOp> = {
  action: 'action', compensate: 'action', try: 'try', confirm: 'try', cancel: 'try', commit: 'action', rollback: 'action', msg: 'msg',
};
const UNDO_OF: Record<BarrierOp, BarrierOp> = {
  action: 'compensate', compensate: 'compensate', try: 'cancel', confirm: 'cancel', cancel: 'cancel', commit: 'rollback', rollback: 'rollback', msg: 'msg',
};

/** What the barrier's no-ops mean for the step (DESIGN.md §2, saga.step.result). */
const RESULT_OF: Partial<Record<BarrierOutcome, 'skipped' | 'rejected'>> = {
  duplicate: 'skipped',
  null_compensation: 'skipped',
  rejected: 'rejected',
};

export async function startParticipant(opts: ParticipantOptions): Promise<RunningParticipant> {
  // One path may serve several ops (an XA branch: action, commit and rollback at one URL).
  const routes = new Map<string, Endpoint[]>();
  for (const e of opts.endpoints) routes.set(e.path, [...(routes.get(e.path) ?? []), e]);
  let baseUrl = '';
  const inFlight = new Set<Promise<void>>();
  /** Attempts per (gid, branch, op), for the fail-first fault (a coordinator retrying on its own schedule). */
  const attempts = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const done = handle(req, res).catch((err) => {
      log.error('unhandled request error', { service: opts.service, error: (err as Error).message });
      if (!res.headersSent) send(res, 500, { ok: false, error: 'internal error' });
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname === '/health') return send(res, 200, { ok: true, service: opts.service });
    const candidates = routes.get(url.pathname);
    if (!candidates) return send(res, 404, { ok: false, error: 'no such endpoint' });
    // DTM calls with GET when it has no body to send (dtmsvr/trans_status.go getURLResult).
    if (req.method !== 'POST' && req.method !== 'GET') return send(res, 405, { ok: false, error: 'POST or GET only' });
    const serverSpan = trace.getActiveSpan();
    serverSpan?.updateName(`${req.method} ${url.pathname}`);

    // Which branch call this is: DTM's query parameters, or an instrumented caller's x-saga-* headers.
    const saga = sagaCallFromHeaders(req.headers);
    const local = candidates.find((e) => e.localGid !== undefined);
    let call = local ? null : branchCallOf(url.searchParams, saga);
    const route = local ?? candidates.find((e) => e.op === call?.op);
    // A zero-code call (DTM's) leaves the server span as the stock instrumentation makes it.
    const zeroCode = saga === null;
    const spanOf = (s: Span | undefined) => (zeroCode ? undefined : s);
    if (route === undefined || (!local && call === null)) {
      const ops = candidates.map((e) => e.op).join('|');
      return reply(res, spanOf(serverSpan), { status: 400, error: `expected ?gid&trans_type&branch_id&op=${ops} or x-saga-* headers` });
    }
    let body: unknown;
    try {
      body = route.body.parse(call ? await withRememberedBody(opts.sql, call, await readJsonBody(req)) : await readJsonBody(req));
      if (local) call = { gid: local.localGid!(body), branchId: '00', transType: 'msg', op: 'msg' };
    } catch (err) {
      if (err instanceof z.ZodError) return reply(res, spanOf(serverSpan), { status: 400, error: `invalid body: ${z.prettifyError(err)}` });
      return reply(res, spanOf(serverSpan), { status: err instanceof BadRequest || err instanceof BodyError ? 400 : 500, error: (err as Error).message });
    }
    const branch = call as BranchCall;
    const faults = req.headers[DTM_FAULT_HEADER] !== undefined
      ? dtmFaultsFor(req.headers[DTM_FAULT_HEADER], branch.branchId, branch.op)
      : parseFaults(req.headers[FAULT_HEADER]);
    if (faults.failFirst > 0) {
      const key = `${branch.gid}/${branch.branchId}/${branch.op}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (attempts.size > 10_000) attempts.delete(attempts.keys().next().value as string);
      if (n <= faults.failFirst) {
        if (faults.delayMs > 0) await sleep(faults.delayMs);
        return reply(res, spanOf(serverSpan), { status: 503, error: `service unavailable (injected fault, attempt ${n} of the first ${faults.failFirst})` });
      }
    }
    const run = (span: Span | undefined, instrumented: boolean) => execute(route, branch, body, faults, span, instrumented);

    // Instrumented callers say which saga step this is; zero-code (DTM-style) callers do not,
    // and then this service sets no saga.* attribute at all: the collector derives them from the URL.
    let outcome: Outcome;
    if (saga !== null && saga.gid === branch.gid && (branch.transType === 'saga' || branch.transType === 'tcc')) {
      const protocol = branch.transType;
      const link = (path: string, op: BarrierOp) => `${baseUrl}${path}?${dtmQuery({ gid: branch.gid, protocol, branchId: branch.branchId, op: op as SagaOp })}`;
      // The step gets a span of its own, not the server span: the server span ends when the
      // caller hangs up (a timeout), and what the step really did happens after that.
      outcome = await tracer.startActiveSpan(`${saga.step} ${saga.op}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...sagaAttributes(saga, 'participant'),
          'saga.action_url': link(route.actionPath, FORWARD_OF[route.op]),
          'saga.compensate_url': link(route.compensatePath, UNDO_OF[route.op]),
        },
      }, async (stepSpan) => {
        try {
          return await run(stepSpan, true);
        } finally {
          stepSpan.end();
        }
      });
    } else {
      outcome = await run(spanOf(serverSpan), false);
    }
    // The duplicate_execution scenario's late answer: the change is committed, the reply is slow.
    if (faults.slowResponseMs > 0) await sleep(faults.slowResponseMs);
    reply(res, spanOf(serverSpan), outcome);
  }

  /** Runs one branch call through the barrier and records on `span` what happened. */
  async function execute(route: Endpoint, call: BranchCall, body: unknown, faults: Faults, span: Span | undefined, instrumented: boolean): Promise<Outcome> {
    try {
      if (faults.delayMs > 0) await sleep(faults.delayMs);
      if (faults.unavailable) return failed(span, 503, 'service unavailable (injected fault)');
      const business = async (tx: Queryable) => {
        if (faults.error) throw new InjectedFailure(`${route.path} crashed (injected fault)`);
        if (faults.decline) throw new BusinessRefusal(`${route.path} declined (injected fault)`);
        return route.run(tx, call, body);
      };
      const { outcome, value } = await opts.sql.transaction(async (tx) =>
        // The bug the duplicate_execution scenario plants: this call skips the barrier.
        faults.noBarrier || route.barrier === false || route.localGid !== undefined
          ? { outcome: 'executed' as const, value: await business(tx) }
          : throughBarrier(tx, call, () => business(tx)),
      );
      span?.setAttribute('demo.barrier', faults.noBarrier ? 'bypassed' : outcome);
      const result = RESULT_OF[outcome];
      if (instrumented && result) span?.setAttribute('saga.step.result', result);
      return { status: 200, body: { ok: true, barrier: outcome, result: value } };
    } catch (err) {
      if (err instanceof BusinessRefusal || err instanceof InjectedFailure) return failed(span, err.status, err.message);
      span?.recordException(err as Error);
      log.error('request failed', { service: opts.service, path: route.path, error: (err as Error).message });
      return failed(span, 500, (err as Error).message);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as { port: number };
  baseUrl = `http://${opts.host}:${addr.port}`;

  return {
    url: baseUrl,
    async close() {
      // Let in-flight calls finish (bounded): a half-done step is worse than a slow stop.
      server.close();
      await Promise.race([Promise.allSettled([...inFlight]), sleep(3_000)]);
      server.closeAllConnections();
    },
  };
}

/**
 * A forward call's body is kept (first one wins), and a call without a body
 * gets the kept one: saga.action_url can then be invoked again as it is (a
 * manual "retry step"), the way compensations, which need no body, can.
 */
export const BRANCH_REQUESTS_DDL = `
CREATE TABLE IF NOT EXISTS branch_requests (
  gid text NOT NULL, branch_id text NOT NULL, op text NOT NULL, body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gid, branch_id, op))`;

async function withRememberedBody(sql: Sql, call: BranchCall, body: unknown): Promise<unknown> {
  if (call.op !== 'action' && call.op !== 'try') return body;
  const empty = body === null || (typeof body === 'object' && Object.keys(body as object).length === 0);
  if (empty) {
    const r = await sql.query<{ body: unknown }>('SELECT body FROM branch_requests WHERE gid = $1 AND branch_id = $2 AND op = $3', [
      call.gid, call.branchId, call.op,
    ]);
    return r.rows[0]?.body ?? body;
  }
  await sql.query(
    'INSERT INTO branch_requests (gid, branch_id, op, body) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (gid, branch_id, op) DO NOTHING',
    [call.gid, call.branchId, call.op, JSON.stringify(body)],
  );
  return body;
}

interface Outcome {
  status: number;
  body?: unknown;
  error?: string;
}

/** A failed step: its span says so (a 4xx alone leaves a server span's status unset). */
function failed(span: Span | undefined, status: number, error: string): Outcome {
  span?.setStatus({ code: SpanStatusCode.ERROR, message: error });
  return { status, error };
}

function reply(res: http.ServerResponse, serverSpan: Span | undefined, outcome: Outcome): void {
  if (outcome.error !== undefined) serverSpan?.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
  send(res, outcome.status, outcome.body ?? { ok: false, error: outcome.error });
}


export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
