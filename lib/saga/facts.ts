import type { Protocol, SagaSpan } from './types';
import { activityMs } from './spans';
import { SAGASCOPE_SERVICE } from './repair';

/** Saga-level facts that every span contributes to, step span or not. */
export interface SpanFacts {
  name: string | null;
  protocol: Protocol;
  services: string[];
  traceIds: string[];
  /**
   * First start and last end of the saga's own spans: an operator's repair
   * (lib/saga/repair.ts) is not part of the saga's run. Over all spans when every
   * span is a repair's.
   */
  startMs: number;
  lastEndMs: number;
  lastActivityMs: number;
  lastActiveSpan: SagaSpan | null;
  zeroCode: boolean;
  /**
   * Any span with role coordinator: someone instruments the orchestrator.
   * Repairs do not count: sagascope's manual spans say role coordinator, but they
   * are not the saga's orchestrator.
   */
  hasCoordinatorSpan: boolean;
  /** A coordinator root span (not a repair's) has ended: the orchestrator has no more work to do. */
  coordinatorFinished: boolean;
}

/**
 * `spans` deduplicated and in canonical order, with their parents' positions (see
 * canonicalize); `repair` marks the spans of operators' repairs (null: none).
 */
export function spanFacts(spans: readonly SagaSpan[], parentIndex: Int32Array, repair: Uint8Array | null = null): SpanFacts {
  const services = new Set<string>();
  const traceIds = new Set<string>();
  const names = new Map<string, number>();
  const protocols = new Map<Protocol, number>();
  let startMs = Infinity;
  let lastEndMs = -Infinity;
  let ownStartMs = Infinity;
  let ownLastEndMs = -Infinity;
  let lastActivityMs = -Infinity;
  let lastActiveSpan: SagaSpan | null = null;
  let zeroCode = false;
  let hasCoordinatorSpan = false;
  let coordinatorFinished = false;

  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    // sagascope's own client spans of a repair are not a service of the saga (DESIGN §3).
    if (s.service !== SAGASCOPE_SERVICE) services.add(s.service);
    traceIds.add(s.traceId);
    if (s.sagaName !== null) names.set(s.sagaName, (names.get(s.sagaName) ?? 0) + 1);
    if (s.protocol !== null) protocols.set(s.protocol, (protocols.get(s.protocol) ?? 0) + 1);
    if (s.startMs < startMs) startMs = s.startMs;
    // A span that has not ended has (so far) lasted until its start.
    const end = Math.max(s.endMs, s.startMs);
    if (end > lastEndMs) lastEndMs = end;
    const own = repair === null || repair[i] === 0;
    if (own) {
      if (s.startMs < ownStartMs) ownStartMs = s.startMs;
      if (end > ownLastEndMs) ownLastEndMs = end;
    }
    const active = activityMs(s);
    if (active > lastActivityMs) {
      lastActivityMs = active;
      lastActiveSpan = s;
    }
    if (s.zeroCode) zeroCode = true;
    if (s.role === 'coordinator' && own) {
      hasCoordinatorSpan = true;
      if (s.op === null && s.endMs > 0 && isCoordinatorRoot(i, spans, parentIndex)) coordinatorFinished = true;
    }
  }

  if (spans.length === 0) {
    startMs = lastEndMs = lastActivityMs = 0;
  } else if (ownStartMs !== Infinity) {
    startMs = ownStartMs;
    lastEndMs = ownLastEndMs;
  }
  return {
    name: mostCommon(names),
    protocol: mostCommon(protocols) ?? 'saga',
    services: [...services].sort(),
    traceIds: [...traceIds].sort(),
    startMs,
    lastEndMs,
    lastActivityMs,
    lastActiveSpan,
    zeroCode,
    hasCoordinatorSpan,
    coordinatorFinished,
  };
}

/**
 * The coordinator's saga span, not one of its internal children: when saga.role is
 * set on the resource, the orchestrator's database and HTTP spans carry it too, and
 * one of those ending says nothing about the saga being over.
 */
function isCoordinatorRoot(i: number, spans: readonly SagaSpan[], parentIndex: Int32Array): boolean {
  const parent = parentIndex[i];
  return parent < 0 || spans[parent].role !== 'coordinator';
}

/** Most frequent value; ties go to the smallest, so the answer does not depend on order. */
function mostCommon<T extends string>(counts: ReadonlyMap<T, number>): T | null {
  let best: T | null = null;
  let bestCount = 0;
  for (const [value, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== null && value < best)) {
      best = value;
      bestCount = n;
    }
  }
  return best;
}
