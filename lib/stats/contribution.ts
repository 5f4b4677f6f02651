/**
 * What one saga adds to the rollup tables, as a pure function of the model's
 * output (and the saga's spans, for the service graph). The ingest transaction
 * stores each saga's contribution next to its summary and applies
 * new − old whenever the saga changes, so the rollups equal the sum of the
 * current contributions of all sagas whatever the arrival order of spans
 * (see delta.ts). Keys are minutes since the epoch (UTC).
 */
import type { Saga, SagaSpan, SagaStatus } from '../saga/types';
import { bucketOf } from './histogram';
import { SERIES, type SeriesId } from './series';

/** [calls, errors, retries, extra] */
export type Counts = [number, number, number, number];

export interface Contribution {
  /** Saga name, '' when unknown. */
  name: string;
  /** JSON [series, minute, k1, k2, k3] → counts. */
  counts: Map<string, Counts>;
  /** JSON [series, minute, k1, k2, k3, bucket] → count. */
  latency: Map<string, number>;
}

/** The saga-level facts a contribution depends on (also what a summary row holds). */
export interface SagaFacts {
  name: string | null;
  status: SagaStatus;
  startMs: number;
  durationMs: number;
  timeToConsistencyMs: number | null;
  /** Steps run with attempt > 1. */
  retries: number;
  compensationCount: number;
}

export const FINISHED: readonly SagaStatus[] = ['committed', 'compensated', 'failed'];
const SAGA_LEVEL: ReadonlySet<number> = new Set([SERIES.saga, SERIES.sagaDuration, SERIES.timeToConsistency]);

export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

export function emptyContribution(name: string): Contribution {
  return { name, counts: new Map(), latency: new Map() };
}

function count(c: Contribution, series: SeriesId, minute: number, k1: string, k2: string, k3: string, d: Counts): void {
  const key = JSON.stringify([series, minute, k1, k2, k3]);
  const cur = c.counts.get(key);
  if (cur) for (let i = 0; i < 4; i++) cur[i]! += d[i]!;
  else c.counts.set(key, [...d]);
}

function latency(c: Contribution, series: SeriesId, minute: number, k1: string, k2: string, k3: string, ms: number): void {
  const key = JSON.stringify([series, minute, k1, k2, k3, bucketOf(ms)]);
  c.latency.set(key, (c.latency.get(key) ?? 0) + 1);
}

export function factsOf(saga: Saga): SagaFacts {
  return {
    name: saga.name,
    status: saga.status,
    startMs: saga.startMs,
    durationMs: saga.durationMs,
    timeToConsistencyMs: saga.timeToConsistencyMs,
    retries: saga.steps.reduce((n, s) => n + (s.attempt > 1 ? 1 : 0), 0),
    compensationCount: saga.compensationCount,
  };
}

/** The saga-level part: its status count, duration (once finished) and time to consistency. */
export function addSagaLevel(c: Contribution, f: SagaFacts): void {
  const minute = minuteOf(f.startMs);
  count(c, SERIES.saga, minute, f.status, '', '', [1, f.status === 'failed' ? 1 : 0, f.retries, f.compensationCount]);
  if (FINISHED.includes(f.status)) latency(c, SERIES.sagaDuration, minute, f.status, '', '', f.durationMs);
  if (f.timeToConsistencyMs !== null) latency(c, SERIES.timeToConsistency, minute, f.status, '', '', f.timeToConsistencyMs);
}

/**
 * The span-level part. Steps come from the model (one run per step, op and
 * attempt, however many spans report it). The service graph comes from the
 * spans: an entry span is one whose parent is missing or in another service;
 * a parent in another service makes an edge caller → callee.
 */
export function addSpanLevel(c: Contribution, saga: Saga, spans: readonly SagaSpan[]): void {
  for (const s of saga.steps) {
    const minute = minuteOf(s.startMs);
    count(c, SERIES.step, minute, s.service, s.step, s.op, [1, s.result === 'failure' ? 1 : 0, s.attempt > 1 ? 1 : 0, 0]);
    if (s.result !== 'running') latency(c, SERIES.step, minute, s.service, s.step, s.op, s.durationMs);
  }
  const byId = new Map<string, SagaSpan>();
  for (const s of spans) {
    const id = s.traceId + s.spanId;
    if (!byId.has(id)) byId.set(id, s); // duplicates (re-sent spans) count once
  }
  for (const s of byId.values()) {
    const parent = s.parentSpanId === null ? undefined : byId.get(s.traceId + s.parentSpanId);
    if (parent && parent.service === s.service) continue;
    const minute = minuteOf(s.startMs);
    const error = s.statusCode === 2 ? 1 : 0;
    count(c, SERIES.service, minute, s.service, '', '', [1, error, 0, 0]);
    if (parent) {
      count(c, SERIES.edge, minute, parent.service, s.service, '', [1, error, 0, 0]);
      latency(c, SERIES.edge, minute, parent.service, s.service, '', s.endMs - s.startMs);
    }
  }
}

export function contributionOf(saga: Saga, spans: readonly SagaSpan[]): Contribution {
  const c = emptyContribution(saga.name ?? '');
  addSagaLevel(c, factsOf(saga));
  addSpanLevel(c, saga, spans);
  return c;
}

/** The same contribution with its saga-level part recomputed from new facts (a timed status change). */
export function withSagaLevel(old: Contribution, f: SagaFacts): Contribution {
  const c = emptyContribution(f.name ?? '');
  for (const [k, v] of old.counts) if (!SAGA_LEVEL.has(seriesOfKey(k))) c.counts.set(k, [...v]);
  for (const [k, v] of old.latency) if (!SAGA_LEVEL.has(seriesOfKey(k))) c.latency.set(k, v);
  addSagaLevel(c, f);
  return c;
}

/** The saga-level counts entry of a contribution, for facts not kept elsewhere (retries). */
export function sagaCounts(c: Contribution): Counts | null {
  for (const [k, v] of c.counts) if (seriesOfKey(k) === SERIES.saga) return v;
  return null;
}

const seriesOfKey = (key: string) => Number(key.slice(1, key.indexOf(',')));

// Stored as compact JSON: {"n": name, "c": [[...key, calls, errors, retries, extra]], "l": [[...key, count]]}.
export function encodeContribution(c: Contribution): string {
  const counts = [...c.counts].map(([k, v]) => k.slice(0, -1) + ',' + v.join(',') + ']');
  const lat = [...c.latency].map(([k, v]) => k.slice(0, -1) + ',' + v + ']');
  return `{"n":${JSON.stringify(c.name)},"c":[${counts.join(',')}],"l":[${lat.join(',')}]}`;
}

export function decodeContribution(text: string | null): Contribution | null {
  if (text === null) return null;
  const raw = JSON.parse(text) as { n: string; c: unknown[][]; l: unknown[][] };
  const c = emptyContribution(raw.n);
  for (const e of raw.c) c.counts.set(JSON.stringify(e.slice(0, 5)), e.slice(5) as Counts);
  for (const e of raw.l) c.latency.set(JSON.stringify(e.slice(0, 6)), e[6] as number);
  return c;
}
