/**
 * What one saga adds to the rollup tables, as a pure function of the model's
 * output (and the saga's spans, for the service graph). The ingest transaction
 * stores each saga's contribution next to its summary and applies
 * new − old whenever the saga changes, so the rollups equal the sum of the
 * current contributions of all sagas whatever the arrival order of spans
 * (see delta.ts). Keys are minutes since the epoch (UTC).
 */
import type { Saga, SagaSpan, SagaStatus } from '../saga/types';
import { SAGASCOPE_SERVICE } from '../saga/repair';
import { bucketOf as rawBucketOf } from './histogram';

/**
 * Durations are bucketed at microsecond resolution: the ingest path computes them
 * from OTLP nanoseconds, a later rebuild from the microseconds PostgreSQL stored,
 * and a value a hair from a bucket edge must land in the same bucket both times.
 */
const bucketOf = (ms: number) => rawBucketOf(Math.round(ms * 1000) / 1000);
import { SERIES } from './series';

/**
 * One rollup row's worth of what a saga adds, as a plain array (it is stored as
 * JSON as is, so decoding is JSON.parse and nothing else):
 *   counts:  [series, minute, k1, k2, k3, -1, calls, errors, retries, extra]
 *   latency: [series, minute, k1, k2, k3, bucket, count]
 */
export type Entry = [number, number, string, string, string, number, number, number?, number?, number?];

export interface Contribution {
  /** Saga name, '' when unknown. */
  name: string;
  /** Sorted by key (compareKeys), one entry per key. */
  entries: Entry[];
}

/** Order of entry keys (series, minute, k1, k2, k3, bucket). */
export function compareKeys(a: Entry, b: Entry): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  if (a[2] !== b[2]) return a[2] < b[2] ? -1 : 1;
  if (a[3] !== b[3]) return a[3] < b[3] ? -1 : 1;
  if (a[4] !== b[4]) return a[4] < b[4] ? -1 : 1;
  return a[5] - b[5];
}

export const isCounts = (e: Entry) => e[5] < 0;

/**
 * Sorts entries and merges those with the same key. Sorting beats a Map keyed
 * by strings here: a saga has tens of entries, and key strings made garbage
 * collection the largest cost of the ingest path's rollup work.
 */
function canonical(entries: Entry[]): Entry[] {
  entries.sort(compareKeys);
  const out: Entry[] = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last && compareKeys(last, e) === 0) {
      for (let i = 6; i < e.length; i++) last[i] = (last[i] as number) + (e[i] as number);
    } else out.push(e);
  }
  return out;
}

/** The saga-level facts a contribution depends on (also what a summary row holds). */
export interface SagaFacts {
  name: string | null;
  status: SagaStatus;
  startMs: number;
  durationMs: number;
  timeToConsistencyMs: number | null;
  /** Set when an operator's repair brought the saga to a good end. */
  timeToRepairMs: number | null;
  /** The saga's own steps run with attempt > 1 (an operator's repair is not a retry of the saga's). */
  retries: number;
  compensationCount: number;
}

export const FINISHED: readonly SagaStatus[] = ['committed', 'compensated', 'failed'];
const SAGA_LEVEL: ReadonlySet<number> = new Set([SERIES.saga, SERIES.sagaDuration, SERIES.timeToConsistency, SERIES.timeToRepair]);

export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

export function factsOf(saga: Saga): SagaFacts {
  let retries = 0;
  for (const s of saga.steps) if (s.attempt > 1 && !s.manual) retries++;
  return {
    name: saga.name,
    status: saga.status,
    startMs: saga.startMs,
    durationMs: saga.durationMs,
    timeToConsistencyMs: saga.timeToConsistencyMs,
    timeToRepairMs: saga.timeToRepairMs,
    retries,
    compensationCount: saga.compensationCount,
  };
}

/**
 * The saga-level part: its status count, duration (once finished), time to
 * consistency and time to repair. Duration and time to consistency are the
 * saga's own (the model leaves an operator's repair out of both): a repair
 * minutes later moves neither chart; it has its own series.
 */
function addSagaLevel(out: Entry[], f: SagaFacts): void {
  const minute = minuteOf(f.startMs);
  out.push([SERIES.saga, minute, f.status, '', '', -1, 1, f.status === 'failed' ? 1 : 0, f.retries, f.compensationCount]);
  if (FINISHED.includes(f.status)) out.push([SERIES.sagaDuration, minute, f.status, '', '', bucketOf(f.durationMs), 1]);
  if (f.timeToConsistencyMs !== null) out.push([SERIES.timeToConsistency, minute, f.status, '', '', bucketOf(f.timeToConsistencyMs), 1]);
  if (f.timeToRepairMs !== null) out.push([SERIES.timeToRepair, minute, f.status, '', '', bucketOf(f.timeToRepairMs), 1]);
}

/**
 * The span-level part. Steps come from the model (one run per step, op and
 * attempt, however many spans report it). The service graph comes from the
 * spans: an entry span is one whose parent is missing or in another service;
 * a parent in another service makes an edge caller → callee.
 *
 * sagascope's own spans (its manual actions, service SAGASCOPE_SERVICE) are not
 * part of the user's system: no node, no edge, no step row of theirs. The
 * participant's span of such a call still counts as an entry into its service
 * (it is real work there), as if it had no caller. A manual run is counted as a
 * call of its step but not as a retry.
 */
function addSpanLevel(out: Entry[], saga: Saga, spans: readonly SagaSpan[]): void {
  for (const s of saga.steps) {
    if (s.service === SAGASCOPE_SERVICE) continue;
    const minute = minuteOf(s.startMs);
    out.push([SERIES.step, minute, s.service, s.step, s.op, -1, 1, s.result === 'failure' || s.result === 'transient' ? 1 : 0, s.attempt > 1 && !s.manual ? 1 : 0, 0]);
    if (s.result !== 'running') out.push([SERIES.step, minute, s.service, s.step, s.op, bucketOf(s.durationMs), 1]);
  }
  if (spans.length <= SMALL_SAGA && oneTrace(spans)) addServiceGraphOneTrace(out, spans);
  else addServiceGraph(out, spans);
}

/** Up to this many spans, linear searches beat building a Map. */
const SMALL_SAGA = 32;

function oneTrace(spans: readonly SagaSpan[]): boolean {
  for (let i = 1; i < spans.length; i++) if (spans[i]!.traceId !== spans[0]!.traceId) return false;
  return true;
}

function addEntrySpan(out: Entry[], s: SagaSpan, parent: SagaSpan | undefined): void {
  if (s.service === SAGASCOPE_SERVICE) return;
  if (parent?.service === SAGASCOPE_SERVICE) parent = undefined;
  const minute = minuteOf(s.startMs);
  const error = s.statusCode === 2 ? 1 : 0;
  out.push([SERIES.service, minute, s.service, '', '', -1, 1, error, 0, 0]);
  if (parent) {
    out.push([SERIES.edge, minute, parent.service, s.service, '', -1, 1, error, 0, 0]);
    out.push([SERIES.edge, minute, parent.service, s.service, '', bucketOf(s.endMs - s.startMs), 1]);
  }
}

/**
 * addServiceGraph for a small saga in one trace (the usual case), without a
 * Map: a span counts at its first copy, and its parent is the first span with
 * the parent's id, as addServiceGraph has it.
 */
function addServiceGraphOneTrace(out: Entry[], spans: readonly SagaSpan[]): void {
  next: for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    for (let j = 0; j < i; j++) if (spans[j]!.spanId === s.spanId) continue next; // a re-sent span counts once
    let parent: SagaSpan | undefined;
    if (s.parentSpanId !== null) {
      for (let j = 0; j < spans.length; j++) {
        if (spans[j]!.spanId === s.parentSpanId) {
          parent = spans[j];
          break;
        }
      }
    }
    if (parent && parent.service === s.service) continue;
    addEntrySpan(out, s, parent);
  }
}

function addServiceGraph(out: Entry[], spans: readonly SagaSpan[]): void {
  // Keyed by span id alone (no string building per span); a span id reused in
  // another trace of the saga (practically never) is keyed with its trace id.
  const byId = new Map<string, SagaSpan>();
  const unique: SagaSpan[] = [];
  for (const s of spans) {
    const seen = byId.get(s.spanId);
    if (seen === undefined) byId.set(s.spanId, s);
    else if (seen.traceId === s.traceId) continue; // a re-sent span counts once
    else if (byId.has(s.traceId + s.spanId)) continue;
    else byId.set(s.traceId + s.spanId, s);
    unique.push(s);
  }
  for (const s of unique) {
    let parent: SagaSpan | undefined;
    if (s.parentSpanId !== null) {
      parent = byId.get(s.parentSpanId);
      if (parent !== undefined && parent.traceId !== s.traceId) parent = byId.get(s.traceId + s.parentSpanId);
    }
    if (parent && parent.service === s.service) continue;
    addEntrySpan(out, s, parent);
  }
}

export function contributionOf(saga: Saga, spans: readonly SagaSpan[]): Contribution {
  const entries: Entry[] = [];
  addSagaLevel(entries, factsOf(saga));
  addSpanLevel(entries, saga, spans);
  return { name: saga.name ?? '', entries: canonical(entries) };
}

/** The same contribution with its saga-level part recomputed from new facts (a timed status change). */
export function withSagaLevel(old: Contribution, f: SagaFacts): Contribution {
  const entries = old.entries.filter((e) => !SAGA_LEVEL.has(e[0])).map((e) => [...e] as Entry);
  addSagaLevel(entries, f);
  return { name: f.name ?? '', entries: canonical(entries) };
}

/** [calls, errors, retries, extra] of the saga-level counts entry (for facts not kept elsewhere: retries). */
export function sagaCounts(c: Contribution): [number, number, number, number] | null {
  const e = c.entries.find((x) => x[0] === SERIES.saga && isCounts(x));
  return e ? [e[6], e[7]!, e[8]!, e[9]!] : null;
}

/**
 * Stored form: {"n": name, "m": first minute, "s": [strings], "e": [flat numbers]}
 * where each entry is series, minute − m, three indexes into s, bucket, then its
 * values (4 for counts, 1 for latency). About 2.5× smaller than the entries as
 * JSON, which matters: it is written with every summary.
 */
export function encodeContribution(c: Contribution): string {
  const strings: string[] = [];
  // Few distinct strings per saga: a linear search until there are many (no
  // Map, no closure for the common case; this runs for every saga ingest touches).
  let index: Map<string, number> | null = null;
  const base = c.entries.length > 0 ? c.entries[0]![1] : 0;
  const flat: number[] = [];
  for (const e of c.entries) {
    flat.push(e[0], e[1] - base);
    for (let k = 2; k <= 4; k++) {
      const v = e[k] as string;
      let ref = -1;
      if (index === null) {
        for (let j = 0; j < strings.length; j++) if (strings[j] === v) { ref = j; break; }
        if (ref < 0 && strings.length >= 32) index = new Map(strings.map((x, j) => [x, j]));
      }
      if (index !== null) ref = index.get(v) ?? -1;
      if (ref < 0) {
        ref = strings.length;
        strings.push(v);
        index?.set(v, ref);
      }
      flat.push(ref);
    }
    flat.push(e[5], e[6]);
    if (e[5] < 0) flat.push(e[7]!, e[8]!, e[9]!);
  }
  return JSON.stringify({ n: c.name, m: base, s: strings, e: flat });
}

export function decodeContribution(text: string | null): Contribution | null {
  if (text === null) return null;
  const raw = JSON.parse(text) as { n: string; m: number; s: string[]; e: number[] };
  const { m, s, e: f } = raw;
  const entries: Entry[] = [];
  for (let i = 0; i < f.length; ) {
    const e: Entry = [f[i]!, f[i + 1]! + m, s[f[i + 2]!]!, s[f[i + 3]!]!, s[f[i + 4]!]!, f[i + 5]!, f[i + 6]!];
    i += 7;
    if (e[5] < 0) {
      e.push(f[i]!, f[i + 1]!, f[i + 2]!);
      i += 3;
    }
    entries.push(e);
  }
  return { name: raw.n, entries };
}
