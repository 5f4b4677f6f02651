/**
 * What an instrumented orchestrator tells a participant about the call, and the
 * saga.* attributes (DESIGN.md §2) both sides derive from it.
 *
 * The barrier needs only DTM's query parameters (gid, trans_type, branch_id, op),
 * which every call carries. The rest (saga name, step name and index, attempt)
 * exists for observability, so it travels in `x-saga-*` headers that the
 * zero-code flow simply does not send.
 */
import type { Attributes } from '@opentelemetry/api';

export type SagaOp = 'action' | 'compensate' | 'try' | 'confirm' | 'cancel';
/** The protocols of the instrumented orchestrator's calls ('msg' and 'xa' only run through DTM). */
export type SagaProtocol = 'saga' | 'tcc' | 'msg' | 'xa';

export interface SagaCall {
  gid: string;
  name: string;
  protocol: SagaProtocol;
  step: string;
  stepIndex: number;
  branchId: string;
  op: SagaOp;
  attempt: number;
}

const H = {
  gid: 'x-saga-id',
  name: 'x-saga-name',
  protocol: 'x-saga-protocol',
  step: 'x-saga-step',
  stepIndex: 'x-saga-step-index',
  branchId: 'x-saga-branch-id',
  op: 'x-saga-op',
  attempt: 'x-saga-attempt',
} as const;

const OPS: readonly SagaOp[] = ['action', 'compensate', 'try', 'confirm', 'cancel'];
const PROTOCOLS: readonly SagaProtocol[] = ['saga', 'tcc'];  // what x-saga-protocol may say

export function sagaHeaders(call: SagaCall): Record<string, string> {
  return {
    [H.gid]: call.gid,
    [H.name]: call.name,
    [H.protocol]: call.protocol,
    [H.step]: call.step,
    [H.stepIndex]: String(call.stepIndex),
    [H.branchId]: call.branchId,
    [H.op]: call.op,
    [H.attempt]: String(call.attempt),
  };
}

type HeaderBag = Record<string, string | string[] | number | undefined>;

function header(headers: HeaderBag, name: string): string | null {
  // Outgoing options may spell header names in any case; incoming ones are lower-cased.
  const raw = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === '' ? null : String(value);
}

function positiveInt(text: string | null, min: number): number | null {
  if (text === null || !/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= min ? n : null;
}

/** The call's saga context, or null when the caller sent none (zero-code flow) or sent it malformed. */
export function sagaCallFromHeaders(headers: HeaderBag): SagaCall | null {
  const gid = header(headers, H.gid);
  const step = header(headers, H.step);
  const op = header(headers, H.op) as SagaOp | null;
  const protocol = (header(headers, H.protocol) ?? 'saga') as SagaProtocol;
  const stepIndex = positiveInt(header(headers, H.stepIndex), 0);
  const attempt = positiveInt(header(headers, H.attempt), 1);
  const branchId = header(headers, H.branchId);
  const name = header(headers, H.name);
  if (gid === null || step === null || op === null || !OPS.includes(op) || !PROTOCOLS.includes(protocol)) return null;
  if (stepIndex === null || attempt === null || branchId === null || name === null) return null;
  return { gid, name, protocol, step, stepIndex, branchId, op, attempt };
}

export function sagaAttributes(call: SagaCall, role: 'coordinator' | 'participant'): Attributes {
  return {
    'saga.id': call.gid,
    'saga.name': call.name,
    'saga.protocol': call.protocol,
    'saga.role': role,
    'saga.step': call.step,
    'saga.step.index': call.stepIndex,
    'saga.branch_id': call.branchId,
    'saga.op': call.op,
    'saga.attempt': call.attempt,
  };
}

/** DTM's branch-call query parameters. */
export function dtmQuery(call: Pick<SagaCall, 'gid' | 'protocol' | 'branchId' | 'op'>): string {
  return new URLSearchParams({ gid: call.gid, trans_type: call.protocol, branch_id: call.branchId, op: call.op }).toString();
}
