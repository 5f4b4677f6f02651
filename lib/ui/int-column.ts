/**
 * A column of integers in the smallest of four JSON forms, for the wire form of
 * large timelines (lib/ui/timeline-wire.ts). A 50,000-row timeline's columns
 * are mostly runs (one trace, one service, attempt 1, "ok") or steady climbs
 * (row order follows step order and start time), which plain arrays spell out
 * value by value. The first element names the form:
 *
 *   [0, v1, v2, …]          the values
 *   [1, d1, d2, …]          differences from the previous value (the first from 0)
 *   [2, v, count, …]        runs of equal values
 *   [3, d, count, …]        runs of equal differences
 *
 * Decoding checks everything (integers, run counts, the row count) because the
 * browser reads it off the network.
 */

export type IntColumn = number[];

const jsonLength = (xs: readonly number[]): number => {
  let n = 0;
  for (const x of xs) n += String(x).length + 1;
  return n;
};

function runs(xs: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < xs.length) {
    let j = i + 1;
    while (j < xs.length && xs[j] === xs[i]) j++;
    out.push(xs[i], j - i);
    i = j;
  }
  return out;
}

/** `values` must be safe integers (the timeline's columns are: times are whole microseconds). */
export function encodeIntColumn(values: readonly number[]): IntColumn {
  const deltas: number[] = new Array(values.length);
  // Two safe integers can lie more than 2^53 apart: then a difference is not
  // exact, and only the forms that carry the values themselves are used.
  let deltasExact = true;
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isSafeInteger(v)) throw new Error(`int column: ${v} at ${i} is not a safe integer`);
    deltas[i] = v - prev;
    if (!Number.isSafeInteger(deltas[i])) deltasExact = false;
    prev = v;
  }
  const forms = deltasExact ? [values as number[], deltas, runs(values), runs(deltas)] : [values as number[], null, runs(values), null];
  let best = 0;
  let bestLen = Infinity;
  forms.forEach((f, i) => {
    if (f === null) return;
    const len = jsonLength(f);
    if (len < bestLen) {
      best = i;
      bestLen = len;
    }
  });
  return [best, ...forms[best]!];
}

/**
 * Exactly `n` integers, each within [min, max] (safe integers at most), or an
 * error naming `what`. One pass per column without a call per value: the
 * browser runs this over ~600,000 values once, in code that has not warmed up
 * yet. Runs are range-checked at their ends (a run of equal differences moves
 * one way, so its ends are its extremes).
 */
export function decodeIntColumn(input: unknown, n: number, what: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number[] {
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  if (!Array.isArray(input) || input.length === 0) return fail('not an encoded column');
  const xs = input as unknown[];
  const form = xs[0];
  const len = xs.length;
  const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
  const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
  let out: number[];
  if (form === 0 || form === 1) {
    if (len - 1 !== n) fail(`${len - 1} values, expected ${n}`);
    // Native copy, then one check (and, for differences, summing) pass in place.
    out = xs.slice(1) as number[];
    const delta = form === 1;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const x = out[i];
      // typeof first: a non-number must not reach the arithmetic; the range test also rejects NaN.
      if (typeof x !== 'number' || !Number.isInteger(x)) fail(`bad number at ${i + 1}`);
      if (delta) out[i] = v += x;
      else v = x;
      if (!(v >= lo && v <= hi)) fail(`value out of range at ${i + 1}`);
    }
  } else if (form === 2 || form === 3) {
    if (len % 2 !== 1) fail('odd run list');
    const delta = form === 3;
    let v = 0;
    let at = 0;
    for (let i = 1; i < len; i += 2) {
      const x = xs[i];
      const count = xs[i + 1];
      if (typeof x !== 'number' || !Number.isSafeInteger(x)) fail(`bad number at ${i}`);
      // Bounded by n before anything is allocated: a hostile count cannot make a huge array.
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || at + count > n) fail(`bad run length at ${i + 1}`);
      at += count as number;
    }
    if (at !== n) fail(`${at} values, expected ${n}`);
    out = new Array<number>(n).fill(0);
    at = 0;
    for (let i = 1; i < len; i += 2) {
      const d = xs[i] as number;
      const c = xs[i + 1] as number;
      if (delta) {
        // A run of equal differences moves one way: its ends are its extremes.
        const first = v + d;
        const last = v + d * c;
        if (!(first >= lo && first <= hi && last >= lo && last <= hi)) fail(`value out of range in the run at ${i}`);
        for (let k = 0; k < c; k++) out[at++] = v += d;
      } else {
        if (!(d >= lo && d <= hi)) fail(`value out of range at ${i}`);
        out.fill(d, at, at + c);
        at += c;
        v = d;
      }
    }
  } else {
    return fail(`unknown form ${String(form)}`);
  }
  return out;
}
