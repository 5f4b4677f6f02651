/**
 * A saga's compensation chain (lib/saga-view/chain.ts) in its wire form, sent
 * with the timeline rows it points into (lib/ui/timeline-wire.ts). The chain
 * is built on the server only: each side is already a row index, so the wire
 * form is its pairs as integer columns; step names and indexes come back from
 * the rows.
 */
import { GAP_STATUSES, PAIR_STATUSES, type ChainSide, type CompensationChain, type CompensationPair, type PairStatus } from '../saga-view/chain';
import { decodeIntColumn, encodeIntColumn, type IntColumn } from './int-column';
import type { TimelineColumns } from './timeline-columns';

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

type PairColumns = Exclude<keyof ChainWire, 'expect' | 'pairs'>;

export function encodeChainWire(chain: CompensationChain): ChainWire {
  const cols: Record<PairColumns, number[]> = { fRow: [], fAtt: [], fOk: [], fFail: [], cRow: [], cAtt: [], cOk: [], cFail: [], status: [], order: [], outOfOrder: [] };
  for (const pair of chain.pairs) {
    cols.fRow.push(pair.forward?.row ?? -1);
    cols.fAtt.push(pair.forward?.attempts ?? 0);
    cols.fOk.push(pair.forward?.successes ?? 0);
    cols.fFail.push(pair.forward?.failures ?? 0);
    cols.cRow.push(pair.compensation?.row ?? -1);
    cols.cAtt.push(pair.compensation?.attempts ?? 0);
    cols.cOk.push(pair.compensation?.successes ?? 0);
    cols.cFail.push(pair.compensation?.failures ?? 0);
    cols.status.push(PAIR_STATUSES.indexOf(pair.status as (typeof PAIR_STATUSES)[number]));
    cols.order.push(pair.compensationOrder ?? 0);
    cols.outOfOrder.push(pair.outOfOrder ? 1 : 0);
  }
  const enc = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, encodeIntColumn(v)])) as Record<PairColumns, IntColumn>;
  return { expect: chain.expectCompensation, pairs: chain.pairs.length, ...enc };
}

/** The chain back from its wire form, against the decoded rows `c` it points into; throws on anything malformed. */
export function decodeChainWire(input: unknown, c: TimelineColumns): CompensationChain {
  const fail = (what: string): never => {
    throw new Error(`compensation chain: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return fail('not an object');
  const w = input as Record<string, unknown>;
  if (typeof w.expect !== 'boolean') fail('bad expect');
  const n = w.pairs;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail('bad pair count');
  const col = (name: string, min: number, max: number) => decodeIntColumn(w[name], n, `compensation chain: ${name}`, min, max);
  const rows = c.id.length;
  const big = Number.MAX_SAFE_INTEGER;
  const [fRow, cRow] = [col('fRow', -1, rows - 1), col('cRow', -1, rows - 1)];
  const [fAtt, fOk, fFail, cAtt, cOk, cFail] = ['fAtt', 'fOk', 'fFail', 'cAtt', 'cOk', 'cFail'].map((name) => col(name, 0, big));
  const status = col('status', 0, PAIR_STATUSES.length - 1);
  const order = col('order', 0, big);
  const outOfOrder = col('outOfOrder', 0, 1);
  const side = (r: number, attempts: number, successes: number, failures: number): ChainSide | null => {
    if (r < 0) return null;
    if (c.op[r] < 0 || c.stepIndex[r] < 0) fail(`row ${r} is not a step`);
    return { row: r, attempts, successes, failures };
  };
  const pairs: CompensationPair[] = new Array(n);
  let gapCount = 0;
  let compensatedCount = 0;
  for (let i = 0; i < n; i++) {
    const named = fRow[i] >= 0 ? fRow[i] : cRow[i] >= 0 ? cRow[i] : fail(`pair ${i} has no side`);
    const step = c.strings[c.label[named]];
    const index = c.stepIndex[named];
    const st: PairStatus = PAIR_STATUSES[status[i]];
    const gap = GAP_STATUSES.has(st);
    if (gap) gapCount++;
    if (st === 'compensated') compensatedCount++;
    pairs[i] = {
      key: `${index}\u0000${step}`,
      step,
      index,
      forward: side(fRow[i], fAtt[i], fOk[i], fFail[i]),
      compensation: side(cRow[i], cAtt[i], cOk[i], cFail[i]),
      status: st,
      gap,
      compensationOrder: order[i] > 0 ? order[i] : null,
      outOfOrder: outOfOrder[i] === 1,
    };
  }
  return { pairs, expectCompensation: w.expect as boolean, gapCount, compensatedCount };
}
