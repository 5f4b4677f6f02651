/**
 * The decode budgets of an OTLP/JSON request, checked on its bytes before
 * JSON.parse builds anything: JSON.parse allocates every value of a document
 * at once, and 58 KB of gzip'd `[{},{},…]` is 20 M objects. One pass over the
 * bytes, allocating nothing, counts what JSON.parse would build: values, list
 * entries, nesting, spans. It validates nothing (JSON.parse does that next);
 * on malformed input its counts may be off, but it always ends, and JSON.parse
 * then refuses the input anyway.
 *
 * The arrays of the envelope (resourceSpans, scopeSpans, spans) are not
 * lists in the budget's sense: spans count against the span budget instead.
 * Every other array is a list: attributes, array and key-value list values,
 * events, links, and whatever unknown field a sender adds.
 */
import { BudgetExceeded, listBudgetExceeded, spanBudgetExceeded, valueBudgetExceeded, type DecodeBudgets } from './decode-budget';

const OBJECT = 0;
const LIST = 1;
const ENVELOPE = 2;
const SPANS = 3;

/**
 * The JSON nesting an attribute value at the deepest allowed level needs: the
 * envelope and a span's events take 12 levels, each nested key-value list 4.
 * Deeper JSON holds a value nested too deep for certain, and is refused whole.
 */
export const jsonDepthLimit = (maxDepth: number) => 16 + 4 * maxDepth;

export interface JsonScan {
  /** JSON values: objects, arrays, strings, numbers, literals. */
  values: number;
  spans: number;
  /** Deepest nesting of objects and arrays. */
  depth: number;
  /** Most entries in one list (an array outside the envelope). */
  longestList: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index just past the string that starts after the opening quote at `from - 1`. */
function skipString(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote === -1) return bytes.length;
    let backslashes = 0;
    while (quote - 1 - backslashes >= from && bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

const KEY_KINDS = new Map<string, number>([
  ['resourceSpans', ENVELOPE],
  ['resource_spans', ENVELOPE],
  ['scopeSpans', ENVELOPE],
  ['scope_spans', ENVELOPE],
  ['spans', SPANS],
]);

/** What an array that is the value of this key is; keys are compared as JSON.parse will read them (escapes included). */
function arrayKindOfKey(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 5 || length > 84) return LIST; // 14 characters, each at most a 6-byte \uXXXX escape
  let text = '';
  let escaped = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === BACKSLASH) escaped = true;
    else if (b >= 0x80) return LIST; // no non-ASCII byte in those keys
    text += String.fromCharCode(b);
  }
  if (escaped) {
    try {
      text = JSON.parse(`"${text}"`) as string;
    } catch {
      return LIST;
    }
  }
  return KEY_KINDS.get(text) ?? LIST;
}

function isDelimiter(b: number): boolean {
  return b === 0x2c || b === 0x5d || b === 0x7d || b === 0x3a || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === QUOTE || b === 0x5b || b === 0x7b;
}

export function scanJsonBudgets(bytes: Uint8Array, budgets: DecodeBudgets): JsonScan {
  const maxNesting = jsonDepthLimit(budgets.maxDepth);
  const kinds = new Uint8Array(maxNesting);
  const counts = new Int32Array(maxNesting);
  let nesting = 0;
  let deepest = 0;
  let values = 0;
  let spans = 0;
  let longestList = 0;
  let expectKey = false;
  let keyArrayKind = LIST;

  const value = () => {
    if (++values > budgets.maxValues) throw valueBudgetExceeded(budgets.maxValues);
    if (nesting === 0) return;
    const kind = kinds[nesting - 1]!;
    if (kind === OBJECT) return;
    const entries = ++counts[nesting - 1]!;
    if (kind === LIST) {
      if (entries > budgets.maxListValues) throw listBudgetExceeded(budgets.maxListValues);
      if (entries > longestList) longestList = entries;
    } else if (kind === SPANS && ++spans > budgets.maxSpansPerRequest) throw spanBudgetExceeded(budgets.maxSpansPerRequest);
  };
  const open = (kind: number) => {
    if (nesting >= maxNesting) {
      throw new BudgetExceeded('depth', `decode budget exceeded: JSON nested deeper than ${maxNesting} levels (attribute values nest at most ${budgets.maxDepth} deep)`);
    }
    kinds[nesting] = kind;
    counts[nesting] = 0;
    if (++nesting > deepest) deepest = nesting;
  };

  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x3a) i++;
    else if (b === 0x2c) {
      expectKey = nesting > 0 && kinds[nesting - 1] === OBJECT;
      i++;
    } else if (b === 0x7b) {
      value();
      open(OBJECT);
      expectKey = true;
      i++;
    } else if (b === 0x5b) {
      const inObject = nesting > 0 && kinds[nesting - 1] === OBJECT;
      value();
      open(inObject ? keyArrayKind : LIST);
      expectKey = false;
      i++;
    } else if (b === 0x7d || b === 0x5d) {
      if (nesting > 0) nesting--;
      expectKey = false;
      i++;
    } else if (b === QUOTE) {
      const end = skipString(bytes, i + 1);
      if (expectKey && nesting > 0 && kinds[nesting - 1] === OBJECT) {
        keyArrayKind = arrayKindOfKey(bytes, i + 1, end - 1);
        expectKey = false;
      } else value();
      i = end;
    } else {
      // a number or a literal (or garbage, which JSON.parse refuses)
      value();
      i++;
      while (i < n && !isDelimiter(bytes[i]!)) i++;
    }
  }
  return { values, spans, depth: deepest, longestList };
}
