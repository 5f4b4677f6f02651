/**
 * A large saga's compensation chain, built on the server and sent with its
 * timeline rows (lib/ui/timeline-wire.ts). Building it in the browser meant
 * grouping 50,000 steps on the main thread after the rows arrived (0.1–0.3 s,
 * in front of a first click); decoding this is one pass over the pairs.
 *
 * Each side of a pair is named by the timeline row of the attempt it shows:
 * op, span id, result and times are that row's, exactly as packedChainSteps
 * (lib/ui/timeline-rows.ts) reads them when the browser builds the chain itself,
 * so both ways give equal chains. Only the counts and the verdicts travel.
 */
import { OPS, type Op } from '../saga/types';
import type { ChainSide, CompensationChain, CompensationPair, PairStatus } from '../saga/compensation-chain';
import { STEP_RESULT } from './timeline-items';
import { decodeIntColumn, encodeIntColumn, type IntColumn } from './int-column';
import { TIMELINE_OUTCOMES, type PackedTimeline } from './timeline-pack';

const PAIR_STATUSES = [
  'compensated',
  'not_needed',
  'pending',
  'missing',
  'compensation_failed',
  'forward_failed',
  'forward_running',
  'null_compensation',
] as const satisfies readonly PairStatus[];
// Every PairStatus is listed (a new one added to the union fails to compile here).
const allListed: Exclude<PairStatus, (typeof PAIR_STATUSES)[number]> extends never ? true : never = true;
void allListed;

const GAP: ReadonlySet<PairStatus> = new Set<PairStatus>(['pending', 'missing', 'compensation_failed']);

export interface ChainWire {
  expect: boolean;
  pairs: number;
  /** Per pair: the row shown for the forward side (-1: none), its attempts, successes, failures; the same for the compensation. */
  fRow: IntColumn;
  fAtt: IntColumn;
  fOk: IntColumn;
  fFail: IntColumn;
  cRow: IntColumn;
  cAtt: IntColumn;
  cOk: IntColumn;
  cFail: IntColumn;
  /** Index into PAIR_STATUSES. */
  status: IntColumn;
  /** compensationOrder, 0 for none. */
  order: IntColumn;
  outOfOrder: IntColumn;
}

/** One side of a pair from its timeline row; an object literal, not a spread: a spread per side made decoding 3–10x slower. */
function sideOfRow(p: PackedTimeline, manual: ReadonlySet<number>, r: number, attempts: number, successes: number, failures: number): ChainSide {
  const startMs = p.t0 + p.start[r];
  return {
    op: OPS[p.op[r]] as Op,
    spanId: p.id[r],
    result: STEP_RESULT[TIMELINE_OUTCOMES[p.outcome[r]]],
    startMs,
    endMs: startMs + p.duration[r],
    attempts,
    successes,
    failures,
    manual: manual.has(r),
  };
}

/** `chain` must have been built from `p`'s rows (buildChainFromSteps(packedChainSteps(p), …)). */
export function encodeChainWire(chain: CompensationChain, p: PackedTimeline): ChainWire {
  const manual = new Set(p.manual);
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < p.id.length; i++) {
    const list = rowsOf.get(p.id[i]);
    if (list) list.push(i);
    else rowsOf.set(p.id[i], [i]);
  }
  const rowOf = (side: ChainSide | null, pair: CompensationPair): number => {
    if (!side) return -1;
    // Span ids are unique in practice; matching the whole side keeps this exact if one is not.
    const r = rowsOf.get(side.spanId)?.find((i) => {
      if (p.op[i] < 0 || p.stepIndex[i] !== pair.index || p.strings[p.label[i]] !== pair.step) return false;
      const s = sideOfRow(p, manual, i, 0, 0, 0);
      return s.op === side.op && s.result === side.result && s.startMs === side.startMs && s.endMs === side.endMs;
    });
    if (r === undefined) throw new Error(`compensation chain: no timeline row for span ${side.spanId}`);
    return r;
  };
  const cols = { fRow: [], fAtt: [], fOk: [], fFail: [], cRow: [], cAtt: [], cOk: [], cFail: [], status: [], order: [], outOfOrder: [] } as Record<
    Exclude<keyof ChainWire, 'expect' | 'pairs'>,
    number[]
  >;
  for (const pair of chain.pairs) {
    cols.fRow.push(rowOf(pair.forward, pair));
    cols.fAtt.push(pair.forward?.attempts ?? 0);
    cols.fOk.push(pair.forward?.successes ?? 0);
    cols.fFail.push(pair.forward?.failures ?? 0);
    cols.cRow.push(rowOf(pair.compensation, pair));
    cols.cAtt.push(pair.compensation?.attempts ?? 0);
    cols.cOk.push(pair.compensation?.successes ?? 0);
    cols.cFail.push(pair.compensation?.failures ?? 0);
    cols.status.push(PAIR_STATUSES.indexOf(pair.status as (typeof PAIR_STATUSES)[number]));
    cols.order.push(pair.compensationOrder ?? 0);
    cols.outOfOrder.push(pair.outOfOrder ? 1 : 0);
  }
  const enc = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, encodeIntColumn(v)])) as Record<keyof typeof cols, IntColumn>;
  return { expect: chain.expectCompensation, pairs: chain.pairs.length, ...enc };
}

/** The chain back from its wire form, against the decoded rows `p`; throws on anything malformed. */
export function decodeChainWire(input: unknown, p: PackedTimeline): CompensationChain {
  const fail = (what: string): never => {
    throw new Error(`compensation chain: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return fail('not an object');
  const w = input as Record<string, unknown>;
  if (typeof w.expect !== 'boolean') fail('bad expect');
  const n = w.pairs;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail('bad pair count');
  const col = (name: string, min: number, max: number) => decodeIntColumn(w[name], n, `compensation chain: ${name}`, min, max);
  const rows = p.id.length;
  const big = Number.MAX_SAFE_INTEGER;
  const [fRow, cRow] = [col('fRow', -1, rows - 1), col('cRow', -1, rows - 1)];
  const [fAtt, fOk, fFail, cAtt, cOk, cFail] = ['fAtt', 'fOk', 'fFail', 'cAtt', 'cOk', 'cFail'].map((name) => col(name, 0, big));
  const status = col('status', 0, PAIR_STATUSES.length - 1);
  const order = col('order', 0, big);
  const outOfOrder = col('outOfOrder', 0, 1);
  const manual = new Set(p.manual);
  const side = (r: number, attempts: number, successes: number, failures: number): ChainSide | null => {
    if (r < 0) return null;
    if (p.op[r] < 0 || p.stepIndex[r] < 0) fail(`row ${r} is not a step`);
    return sideOfRow(p, manual, r, attempts, successes, failures);
  };
  const pairs: CompensationPair[] = new Array(n);
  let gapCount = 0;
  let compensatedCount = 0;
  for (let i = 0; i < n; i++) {
    const forward = side(fRow[i], fAtt[i], fOk[i], fFail[i]);
    const compensation = side(cRow[i], cAtt[i], cOk[i], cFail[i]);
    const named = fRow[i] >= 0 ? fRow[i] : cRow[i] >= 0 ? cRow[i] : fail(`pair ${i} has no side`);
    const step = p.strings[p.label[named]];
    const index = p.stepIndex[named];
    const st: PairStatus = PAIR_STATUSES[status[i]];
    const gap = GAP.has(st);
    if (gap) gapCount++;
    if (st === 'compensated') compensatedCount++;
    pairs[i] = {
      key: `${index}\u0000${step}`,
      step,
      index,
      forward,
      compensation,
      status: st,
      gap,
      compensationOrder: order[i] > 0 ? order[i] : null,
      outOfOrder: outOfOrder[i] === 1,
    };
  }
  return { pairs, expectCompensation: w.expect as boolean, gapCount, compensatedCount };
}
