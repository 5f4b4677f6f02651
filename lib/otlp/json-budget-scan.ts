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
/** The longest key that can name an envelope array: 14 characters, each at most a 6-byte \uXXXX escape. */
const MAX_ENVELOPE_KEY_BYTES = 84;

const KEY_KINDS = new Map<string, number>([
  ['resourceSpans', ENVELOPE],
  ['resource_spans', ENVELOPE],
  ['scopeSpans', ENVELOPE],
  ['scope_spans', ENVELOPE],
  ['spans', SPANS],
]);

/** What an array that is the value of this key is; keys are compared as JSON.parse will read them (escapes included). */
function arrayKindOfKey(key: readonly number[]): number {
  if (key.length < 5 || key.length > MAX_ENVELOPE_KEY_BYTES) return LIST;
  let text = '';
  let escaped = false;
  for (const b of key) {
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

const BETWEEN = 0;
const IN_STRING = 1;
const IN_LITERAL = 2;

/**
 * The scan as a state machine over pieces of the document, so that a gzip'd
 * body can be checked while it is unpacked and refused at the first value over
 * a budget (lib/ingest/inflate.ts): 60 MB of `[{},{},…]` is then refused after
 * its first 30 KB instead of after unpacking all of it.
 */
export class JsonBudgetScanner {
  private readonly maxNesting: number;
  private readonly kinds: Uint8Array;
  private readonly counts: Int32Array;
  private nesting = 0;
  private deepest = 0;
  private values = 0;
  private spans = 0;
  private longestList = 0;
  private expectKey = false;
  private keyArrayKind = LIST;
  private mode = BETWEEN;
  /** Inside a string: the previous byte was an unescaped backslash. */
  private escape = false;
  /** The string being read is an object key: its bytes, while short enough to be an envelope key. */
  private key: number[] | null = null;

  constructor(private readonly budgets: DecodeBudgets) {
    this.maxNesting = jsonDepthLimit(budgets.maxDepth);
    this.kinds = new Uint8Array(this.maxNesting);
    this.counts = new Int32Array(this.maxNesting);
  }

  private value(): void {
    const b = this.budgets;
    if (++this.values > b.maxValues) throw valueBudgetExceeded(b.maxValues);
    if (this.nesting === 0) return;
    const kind = this.kinds[this.nesting - 1]!;
    if (kind === OBJECT) return;
    const entries = ++this.counts[this.nesting - 1]!;
    if (kind === LIST) {
      if (entries > b.maxListValues) throw listBudgetExceeded(b.maxListValues);
      if (entries > this.longestList) this.longestList = entries;
    } else if (kind === SPANS && ++this.spans > b.maxSpansPerRequest) throw spanBudgetExceeded(b.maxSpansPerRequest);
  }

  private open(kind: number): void {
    if (this.nesting >= this.maxNesting) {
      throw new BudgetExceeded('depth', `decode budget exceeded: JSON nested deeper than ${this.maxNesting} levels (attribute values nest at most ${this.budgets.maxDepth} deep)`);
    }
    this.kinds[this.nesting] = kind;
    this.counts[this.nesting] = 0;
    if (++this.nesting > this.deepest) this.deepest = this.nesting;
  }

  private inObject(): boolean {
    return this.nesting > 0 && this.kinds[this.nesting - 1] === OBJECT;
  }

  /** Reads a string from `from`; returns where reading stops (past the closing quote, or the end of the piece). */
  private readString(bytes: Uint8Array, from: number): number {
    let at = from;
    const n = bytes.length;
    if (this.escape) {
      if (at >= n) return at;
      this.keyByte(bytes, at, at + 1);
      this.escape = false;
      at++;
    }
    for (;;) {
      const quote = bytes.indexOf(QUOTE, at);
      // Only up to the quote: searching the whole rest of the body for a backslash, once per
      // string, made scanning quadratic (an SDK's 680 KB JSON request took 27 s without one).
      const within = bytes.subarray(at, quote === -1 ? n : quote).indexOf(BACKSLASH);
      const backslash = within === -1 ? -1 : at + within;
      if (backslash !== -1) {
        // An escape: the backslash and the byte after it belong to the string.
        this.keyByte(bytes, at, Math.min(n, backslash + 2));
        if (backslash + 1 >= n) {
          this.escape = true;
          return n;
        }
        at = backslash + 2;
        continue;
      }
      if (quote === -1) {
        this.keyByte(bytes, at, n);
        return n;
      }
      this.keyByte(bytes, at, quote);
      this.mode = BETWEEN;
      if (this.key !== null) {
        this.keyArrayKind = arrayKindOfKey(this.key);
        this.key = null;
      }
      return quote + 1;
    }
  }

  private keyByte(bytes: Uint8Array, from: number, to: number): void {
    const key = this.key;
    if (key === null || key.length > MAX_ENVELOPE_KEY_BYTES) return;
    for (let i = from; i < to && key.length <= MAX_ENVELOPE_KEY_BYTES; i++) key.push(bytes[i]!);
  }

  /** Scans the next piece of the document; throws BudgetExceeded at the first value over a budget. */
  write(bytes: Uint8Array): void {
    const n = bytes.length;
    let i = 0;
    if (this.mode === IN_STRING) i = this.readString(bytes, 0);
    else if (this.mode === IN_LITERAL) {
      while (i < n && !isDelimiter(bytes[i]!)) i++;
      if (i < n) this.mode = BETWEEN;
    }
    while (i < n) {
      const b = bytes[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x3a) i++;
      else if (b === 0x2c) {
        this.expectKey = this.inObject();
        i++;
      } else if (b === 0x7b) {
        this.value();
        this.open(OBJECT);
        this.expectKey = true;
        i++;
      } else if (b === 0x5b) {
        const inObject = this.inObject();
        this.value();
        this.open(inObject ? this.keyArrayKind : LIST);
        this.expectKey = false;
        i++;
      } else if (b === 0x7d || b === 0x5d) {
        if (this.nesting > 0) this.nesting--;
        this.expectKey = false;
        i++;
      } else if (b === QUOTE) {
        if (this.expectKey && this.inObject()) {
          this.key = [];
          this.expectKey = false;
        } else this.value();
        this.mode = IN_STRING;
        i = this.readString(bytes, i + 1);
      } else {
        // a number or a literal (or garbage, which JSON.parse refuses)
        this.value();
        i++;
        while (i < n && !isDelimiter(bytes[i]!)) i++;
        this.mode = i < n ? BETWEEN : IN_LITERAL;
      }
    }
  }

  /** What the document builds (once all of it has been written). */
  result(): JsonScan {
    return { values: this.values, spans: this.spans, depth: this.deepest, longestList: this.longestList };
  }
}

export function scanJsonBudgets(bytes: Uint8Array, budgets: DecodeBudgets): JsonScan {
  const scanner = new JsonBudgetScanner(budgets);
  scanner.write(bytes);
  return scanner.result();
}
