/**
 * Business keys (DESIGN.md §2 `saga.key.<name>`): the ids an incident arrives
 * with ("order ORD-1234 was charged but never shipped"), taken from span and
 * resource attributes on ingest so `q` and `key=` find the saga by them.
 *
 * A key is every `saga.key.<name>` attribute (stored under `<name>`), and every
 * attribute whose name is on the configured list (SAGASCOPE_KEY_ATTRIBUTES,
 * default DEFAULT_KEY_ATTRIBUTES), stored under its own name: so
 * `saga.key.order_id` and `order_id` are one key. Values are strings or finite
 * numbers (an SDK may send an order id as an int); anything else is not a key.
 *
 * Hostile input is handled as for any attribute value (lib/ingest/clean-text.ts,
 * storable.ts): NUL and lone surrogates are replaced, other control characters
 * kept (they are rendered as text). Lengths are capped lower than attribute
 * values (names 128, values 256 characters) because keys live in btree indexes,
 * whose entries must stay below 2704 bytes; and a span contributes at most
 * MAX_KEYS_PER_SPAN keys, so a sender cannot grow the index by the hundred per span.
 */
import type { AttrValue, Attributes } from '../otlp/types';
import { cleanText } from '../ingest/clean-text';
import { cut } from '../ingest/limits';

export const KEY_ATTRIBUTE_PREFIX = 'saga.key.';
const PREFIX_LENGTH = KEY_ATTRIBUTE_PREFIX.length;
const PREFIX_S = KEY_ATTRIBUTE_PREFIX.charCodeAt(0);
const PREFIX_K = KEY_ATTRIBUTE_PREFIX.charCodeAt(5);

/**
 * Attribute names indexed as keys unless SAGASCOPE_KEY_ATTRIBUTES says otherwise:
 * the OpenTelemetry semantic conventions' ids (`user.id`, `enduser.id`,
 * `messaging.message.id`, `messaging.message.conversation_id`), the saga's own
 * idempotency key, and the names business code most often gives its ids, in
 * both dotted and snake_case spelling.
 */
export const DEFAULT_KEY_ATTRIBUTES: readonly string[] = Object.freeze([
  'order.id', 'order_id',
  'payment.id', 'payment_id',
  'shipment.id', 'shipment_id',
  'account.id', 'account_id',
  'customer.id', 'customer_id',
  'invoice.id', 'transaction.id',
  'user.id', 'user_id', 'enduser.id',
  'biz_id',
  'saga.idempotency_key',
  'messaging.message.id', 'messaging.message.conversation_id',
]);

export const MAX_KEY_NAME_LENGTH = 128;
export const MAX_KEY_VALUE_LENGTH = 256;
export const MAX_KEYS_PER_SPAN = 32;

/**
 * A key value as the index holds it and as search compares it: lower case, by
 * JavaScript's Unicode mapping on both sides (ingest and `q` / `key=`), so the
 * index is a plain btree without lower() per row (migration saga_keys_folded).
 */
export const foldKeyValue = (value: string): string => value.toLowerCase();

/** A business key: name (prefix stripped) and value, as sent. */
export interface BusinessKey {
  name: string;
  value: string;
}

function keyValue(v: AttrValue): string | null {
  if (typeof v === 'string') return v.length === 0 ? null : cut(cleanText(v), MAX_KEY_VALUE_LENGTH);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * Finds the keys among attributes. Built once per configuration; ingest runs
 * `extractInto` for every span, so it walks the attributes once and allocates
 * nothing of its own; `extract` is the allocating form for the rarer callers.
 */
export class KeyExtractor {
  private readonly names: ReadonlySet<string>;
  /**
   * Bit n set: some listed name is n characters long (bit 31: 31 or more). Most
   * attribute names fail this before the set is asked (npm run bench:keys).
   */
  private readonly lengths: number;

  /** names: attribute names that are keys; null: business keys are off (not even saga.key.*). */
  constructor(names: readonly string[] | null) {
    this.names = new Set(names ?? []);
    let lengths = 0;
    for (const n of this.names) lengths |= 1 << Math.min(n.length, 31);
    this.lengths = lengths;
    if (names === null) this.extractInto = () => 0;
  }

  /**
   * The span's keys as a flat [name, value, name, value, …] list without
   * repeats, those of the span's own attributes first, then its resource's
   * (`resourceKeys`, from extract of the resource attributes); null when none.
   */
  extract(attributes: Attributes, resourceKeys: readonly string[] | null = null): string[] | null {
    const out: string[] = [];
    return this.extractInto(attributes, resourceKeys, out) === 0 ? null : out;
  }

  /**
   * extract's list, written into `into` from index 0; returns its length (twice
   * the keys). What `into` holds past it is left over from earlier calls: ingest
   * passes one array for every span, never shrunk, and copies the keys out only
   * when no earlier span of the saga had the same (lib/ingest/span-row.ts), so
   * most spans allocate nothing here.
   */
  extractInto(attributes: Attributes, resourceKeys: readonly string[] | null, into: string[]): number {
    let n = 0;
    for (const k in attributes) {
      let name: string;
      if (((this.lengths >>> Math.min(k.length, 31)) & 1) === 1 && this.names.has(k)) name = k;
      // Two character checks turn away the saga.* attributes every span carries before startsWith,
      // which took as long as the rest of the walk (npm run bench:keys: 250 → 150 ns per span).
      else if (k.length > PREFIX_LENGTH && k.charCodeAt(5) === PREFIX_K && k.charCodeAt(0) === PREFIX_S && k.startsWith(KEY_ATTRIBUTE_PREFIX)) name = k.slice(PREFIX_LENGTH);
      else continue;
      const value = keyValue(attributes[k]!);
      if (value === null) continue;
      if (n >= 2 * MAX_KEYS_PER_SPAN) break;
      n = putUnique(into, n, cut(cleanText(name), MAX_KEY_NAME_LENGTH), value);
    }
    if (resourceKeys !== null) {
      for (let i = 0; i < resourceKeys.length && n < 2 * MAX_KEYS_PER_SPAN; i += 2) n = putUnique(into, n, resourceKeys[i]!, resourceKeys[i + 1]!);
    }
    return n;
  }
}

/** Puts (name, value) at `n` unless the first `n` entries hold it; the new length. */
function putUnique(flat: string[], n: number, name: string, value: string): number {
  for (let i = 0; i < n; i += 2) if (flat[i] === name && flat[i + 1] === value) return n;
  flat[n] = name;
  flat[n + 1] = value;
  return n + 2;
}

/** The first `n` entries of `flat` are the keys of `keys`, in the same order. */
export function sameKeys(keys: readonly string[], flat: readonly string[], n: number): boolean {
  if (keys.length !== n) return false;
  for (let i = 0; i < n; i++) if (keys[i] !== flat[i]) return false;
  return true;
}

/** Pairs of a flat key list. */
export function keyPairs(flat: readonly string[] | null): BusinessKey[] {
  const out: BusinessKey[] = [];
  if (flat) for (let i = 0; i < flat.length; i += 2) out.push({ name: flat[i]!, value: flat[i + 1]! });
  return out;
}

const extractors = new Map<string, KeyExtractor>();

/**
 * The extractor for a SAGASCOPE_KEY_ATTRIBUTES setting (parseKeyAttributes; null: off), cached:
 * the setting does not change while a process runs.
 */
export function keyExtractorFor(names: readonly string[] | null = DEFAULT_KEY_ATTRIBUTES): KeyExtractor {
  const id = names === null ? '\u0000off' : names.join('\n');
  let e = extractors.get(id);
  if (!e) extractors.set(id, (e = new KeyExtractor(names)));
  return e;
}

/**
 * SAGASCOPE_KEY_ATTRIBUTES: comma-separated attribute names. Unset or empty:
 * DEFAULT_KEY_ATTRIBUTES. A leading `+` adds the names to the default list;
 * `none` indexes `saga.key.*` attributes only; `off` stores no business keys at
 * all (null). Throws with a message naming the bad entry (lib/config/env.ts reports it).
 */
export function parseKeyAttributes(text: string | undefined): readonly string[] | null {
  const raw = (text ?? '').trim();
  if (raw === '') return DEFAULT_KEY_ATTRIBUTES;
  if (raw === 'none') return [];
  if (raw === 'off') return null;
  const extend = raw.startsWith('+');
  const names = (extend ? raw.slice(1) : raw).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (n.length > MAX_KEY_NAME_LENGTH) throw new Error(`attribute name longer than ${MAX_KEY_NAME_LENGTH} characters: ${n.slice(0, 40)}…`);
    if (/[\s\u0000-\u001f\u007f]/.test(n)) throw new Error(`attribute name with whitespace or control characters: ${JSON.stringify(n)}`);
    if (n.startsWith(KEY_ATTRIBUTE_PREFIX)) throw new Error(`${n}: saga.key.* attributes are always keys; list other attribute names`);
  }
  return [...new Set(extend ? [...DEFAULT_KEY_ATTRIBUTES, ...names] : names)];
}
