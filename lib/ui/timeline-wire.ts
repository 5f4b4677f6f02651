/**
 * The body of GET /api/sagas/<id>/timeline: a large saga's packed timeline
 * (lib/ui/timeline-pack.ts) in a smaller JSON form. As plain packed columns a
 * 50,000-row timeline was 2.9 MiB, which the server compressed for every
 * request while a first visit's scripts waited behind it, and which the
 * browser parsed and checked value by value. Here:
 *  - start offsets and durations are whole microseconds (the packed form is
 *    rounded to the microsecond already), so they delta- and run-encode;
 *  - every other column is an IntColumn (lib/ui/int-column.ts): a saga's rows
 *    are mostly runs and steady climbs.
 * The server encodes once per cached model; the browser decodes back to a
 * PackedTimeline, checking as it goes (the checks of parsePackedTimeline), and
 * decodes the chain separately (lib/ui/chain-wire.ts), when the main thread is idle.
 */
import { OPS } from '../saga/types';
import type { CompensationChain } from '../saga/compensation-chain';
import { encodeChainWire, type ChainWire } from './chain-wire';
import { decodeIntColumn, encodeIntColumn, type IntColumn } from './int-column';
import { TIMELINE_OUTCOMES, TIMELINE_TONES, type PackedTimeline } from './timeline-pack';

export const TIMELINE_WIRE_VERSION = 2;

export interface TimelineWire {
  v: typeof TIMELINE_WIRE_VERSION;
  /** Rows. */
  n: number;
  t0: number;
  strings: string[];
  /**
   * Span ids as a JSON array: one joined string was 0.15 MiB smaller (before
   * compression) but cutting it up in the browser took longer than JSON.parse
   * makes the same strings natively.
   */
  id: string[];
  trace: IntColumn;
  label: IntColumn;
  service: IntColumn;
  op: IntColumn;
  attempt: IntColumn;
  /** Microseconds after t0. */
  startUs: IntColumn;
  durationUs: IntColumn;
  depth: IntColumn;
  stepIndex: IntColumn;
  tone: IntColumn;
  outcome: IntColumn;
  errors: Array<[number, number]>;
  manual: number[];
  /** The compensation chain of these rows, built on the server (lib/ui/chain-wire.ts). */
  chain?: ChainWire;
}

const toUs = (ms: number) => Math.round(ms * 1000);

/** `chain`, when given, must have been built from `p`'s rows. */
export function encodeTimelineWire(p: PackedTimeline, chain?: CompensationChain): TimelineWire {
  const n = p.id.length;
  return {
    v: TIMELINE_WIRE_VERSION,
    n,
    t0: p.t0,
    strings: p.strings,
    id: p.id,
    trace: encodeIntColumn(p.trace),
    label: encodeIntColumn(p.label),
    service: encodeIntColumn(p.service),
    op: encodeIntColumn(p.op),
    attempt: encodeIntColumn(p.attempt),
    startUs: encodeIntColumn(p.start.map(toUs)),
    durationUs: encodeIntColumn(p.duration.map(toUs)),
    depth: encodeIntColumn(p.depth),
    stepIndex: encodeIntColumn(p.stepIndex),
    tone: encodeIntColumn(p.tone),
    outcome: encodeIntColumn(p.outcome),
    errors: p.errors,
    manual: p.manual,
    ...(chain ? { chain: encodeChainWire(chain, p) } : {}),
  };
}

/** A fetched body back to packed columns, checked (throws on anything malformed). The chain stays encoded: decodeChainWire. */
export function decodeTimelineWire(input: unknown): { packed: PackedTimeline; chain: unknown } {
  const fail = (what: string): never => {
    throw new Error(`timeline body: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return fail('not an object');
  const w = input as Record<string, unknown>;
  if (w.v !== TIMELINE_WIRE_VERSION) fail(`unknown version ${String(w.v)}`);
  const n = w.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail('bad row count');
  if (typeof w.t0 !== 'number' || !Number.isFinite(w.t0)) fail('bad t0');
  const strings = Array.isArray(w.strings) ? (w.strings as unknown[]) : fail('strings is not an array');
  for (const s of strings) if (typeof s !== 'string') fail('bad string table');
  const id = Array.isArray(w.id) ? (w.id as unknown[]) : fail('id is not an array');
  if (id.length !== n) fail(`${id.length} ids, expected ${n}`);
  for (const v of id) if (typeof v !== 'string') fail('bad id');
  const lastString = strings.length - 1;
  const col = (name: string, min?: number, max?: number) => decodeIntColumn(w[name], n, name, min, max);
  // Offsets from t0 (the earliest start) and durations are never negative.
  const ms = (name: string) => {
    const us = col(name, 0);
    for (let i = 0; i < n; i++) us[i] = us[i] / 1000;
    return us;
  };
  const isRow = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n;
  const errors = Array.isArray(w.errors) ? (w.errors as unknown[]) : fail('errors is not an array');
  for (const e of errors) {
    if (!Array.isArray(e) || e.length !== 2 || !isRow(e[0]) || !Number.isInteger(e[1]) || e[1] < 0 || e[1] > lastString) fail('bad error entry');
  }
  const manual = Array.isArray(w.manual) ? (w.manual as unknown[]) : fail('manual is not an array');
  for (const row of manual) if (!isRow(row)) fail('bad manual row');
  // The same checks as parsePackedTimeline (lib/ui/timeline-pack.ts), made while decoding.
  const packed: PackedTimeline = {
    t0: w.t0 as number,
    strings: strings as string[],
    id: id as string[],
    trace: col('trace', 0, lastString),
    label: col('label', 0, lastString),
    service: col('service', 0, lastString),
    op: col('op', -1, OPS.length - 1),
    attempt: col('attempt', 0),
    start: ms('startUs'),
    duration: ms('durationUs'),
    depth: col('depth', 0),
    stepIndex: col('stepIndex', -1),
    tone: col('tone', 0, TIMELINE_TONES.length - 1),
    outcome: col('outcome', 0, TIMELINE_OUTCOMES.length - 1),
    errors: errors as Array<[number, number]>,
    manual: manual as number[],
  };
  return { packed, chain: w.chain ?? null };
}
