/**
 * The properties hostile input must not break, one per target. Each returns
 * normally or throws an assertion error naming what went wrong; the fuzz runner
 * (test/fuzz/run.ts) and the unit test drive them with fast-check.
 */
import { decodeProtobufRequest } from '../otlp/decode-protobuf';
import { decodeJsonRequest } from '../otlp/decode-json';
import { encodeProtobufRequest } from '../otlp/encode-protobuf';
import { DecodeError, type DecodedRequest, type FlatSpan } from '../otlp/types';
import { toSpanRows } from '../ingest/span-row';
import { buildSaga } from '../saga/model';
import { modelConfig } from '../saga/config';
import { SAGA_STATUSES, type SagaSpan } from '../saga/types';
import { contributionOf, decodeContribution, encodeContribution } from '../stats/contribution';
import { applyDamage, type Damage } from './arbitraries';
import { BudgetExceeded, type DecodeBudgets } from '../otlp/decode-budget';
import { JsonBudgetScanner, jsonDepthLimit, scanJsonBudgets } from '../otlp/json-budget-scan';
import { toOtlpJson } from '../../test/support/otlp/flat-spans';
import type { AttrValue, Attributes } from '../otlp/types';

export class PropertyViolation extends Error {}
const must = (ok: boolean, what: string) => {
  if (!ok) throw new PropertyViolation(what);
};

/** Decoding ends in a result or a DecodeError (→ 400 / INVALID_ARGUMENT), and a result is sane and storable. */
function decodedOrRefused(decode: () => DecodedRequest, inputBytes: number): 'decoded' | 'refused' {
  let r: DecodedRequest;
  try {
    r = decode();
  } catch (err) {
    must(err instanceof DecodeError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return 'refused';
  }
  must(r.rejected >= 0 && r.spans.length + r.rejected <= inputBytes + 1, 'span count out of proportion to the input');
  for (const s of r.spans) {
    must(/^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId), 'bad ids passed validation');
    must(Number.isFinite(s.startMs) && s.endMs >= s.startMs, 'bad times passed validation');
  }
  toSpanRows(r.spans); // what the collector does next must not throw either
  return 'decoded';
}

export function protobufRoundTrip(spans: FlatSpan[]): void {
  const r = decodeProtobufRequest(encodeProtobufRequest(spans));
  must(r.spans.length + r.rejected === spans.length, 'valid encoding lost spans');
}

export function damagedProtobuf(spans: FlatSpan[], ops: Damage): 'decoded' | 'refused' {
  const bytes = applyDamage(encodeProtobufRequest(spans), ops);
  return decodedOrRefused(() => decodeProtobufRequest(bytes), bytes.length);
}

export function randomProtobuf(bytes: Uint8Array): 'decoded' | 'refused' {
  return decodedOrRefused(() => decodeProtobufRequest(bytes), bytes.length);
}

export function damagedJson(json: string, ops: Damage): 'decoded' | 'refused' {
  const bytes = applyDamage(new TextEncoder().encode(json), ops);
  return decodedOrRefused(() => decodeJsonRequest(bytes), bytes.length);
}

export function anyJson(value: unknown): 'decoded' | 'refused' {
  const text = JSON.stringify(value) ?? 'null';
  return decodedOrRefused(() => decodeJsonRequest(text), text.length);
}

const CFG = modelConfig({ nowMs: 1_000_000 });

export function sagaModel(spans: SagaSpan[]): void {
  const saga = buildSaga('g', spans, CFG);
  must(SAGA_STATUSES.includes(saga.status), `status ${saga.status}`);
  must(saga.steps.length <= spans.length, 'more steps than spans');
  must(Number.isFinite(saga.durationMs), 'duration not finite');
  const c = contributionOf(saga, spans);
  must(JSON.stringify(decodeContribution(encodeContribution(c))) === JSON.stringify(c), 'contribution does not round-trip');
}

// ---- decode budgets (issue 15): no input exceeds them unnoticed ------------------------------

/** What a set of values builds, in the protobuf decoder's terms (lib/otlp/decode-budget.ts). */
interface Measure {
  values: number;
  longestList: number;
  /** Deepest value nesting (a top-level attribute value is at 0). */
  depth: number;
}

function measureValue(v: AttrValue, depth: number, m: Measure): void {
  m.values++; // the AnyValue
  m.depth = Math.max(m.depth, depth);
  if (Array.isArray(v)) {
    m.longestList = Math.max(m.longestList, v.length);
    for (const item of v) measureValue(item, depth + 1, m);
  } else if (v !== null && typeof v === 'object') measureAttributes(v, depth + 1, m);
}

function measureAttributes(a: Attributes, depth: number, m: Measure): void {
  const keys = Object.keys(a);
  m.longestList = Math.max(m.longestList, keys.length);
  for (const k of keys) {
    m.values++; // the key-value
    measureValue(a[k]!, depth, m);
  }
}

/** Spans as the protobuf encoder writes them: each distinct resource object once. */
function measureSpans(spans: readonly FlatSpan[]): Measure {
  const m: Measure = { values: 0, longestList: 0, depth: 0 };
  for (const r of new Set(spans.map((s) => s.resource))) measureAttributes(r, 0, m);
  for (const s of spans) {
    measureAttributes(s.attributes, 0, m);
    const events = s.events ?? [];
    m.longestList = Math.max(m.longestList, events.length);
    for (const e of events) {
      m.values++;
      measureAttributes(e.attributes, 0, m);
    }
  }
  return m;
}

const within = (m: Measure, spans: number, b: DecodeBudgets) =>
  spans <= b.maxSpansPerRequest && m.longestList <= b.maxListValues && m.values <= b.maxValues;

/**
 * The decoded request, the budget refusal, or null for the one other refusal
 * these requests can earn: resource attributes nested deeper than the depth
 * budget refuse the request (no span to reject alone), as they always did.
 */
function refusal(decode: () => DecodedRequest, spans: readonly FlatSpan[], b: DecodeBudgets): DecodedRequest | BudgetExceeded | null {
  try {
    return decode();
  } catch (err) {
    if (err instanceof BudgetExceeded) return err;
    const deepResource = spans.some((s) => measureSpans([{ ...s, attributes: {}, events: null }]).depth > b.maxDepth);
    must(err instanceof DecodeError && /nested deeper than/.test(err.message) && deepResource, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return null;
  }
}

/**
 * Protobuf against small budgets: a refusal names a budget the request is
 * really over; a request within every budget is decoded; and what a decoded
 * request built (its spans, resources, events and values) is within them.
 */
export function protobufBudgets(spans: FlatSpan[], b: DecodeBudgets): 'decoded' | 'refused' {
  const input = measureSpans(spans);
  const r = refusal(() => decodeProtobufRequest(encodeProtobufRequest(spans), b), spans, b);
  if (r === null) return 'refused';
  if (r instanceof BudgetExceeded) {
    const over = { spans: spans.length > b.maxSpansPerRequest, list_values: input.longestList > b.maxListValues, values: input.values > b.maxValues };
    must(over[r.budget as keyof typeof over] === true, `refused as over '${r.budget}' but the request is not (${JSON.stringify(input)})`);
    return 'refused';
  }
  must(input.depth > b.maxDepth || !within(input, spans.length, b) || r.rejected === 0, 'a request within every budget lost spans');
  const built = measureSpans(r.spans);
  must(within(built, r.spans.length + r.rejected, b), `decoded beyond the budgets unnoticed: ${JSON.stringify(built)} with ${JSON.stringify(b)}`);
  must(r.spans.every((s) => measureSpans([s]).depth <= b.maxDepth), 'a span nested deeper than the depth budget was kept');
  must((r.tooDeep ?? 0) === (input.depth > b.maxDepth ? r.rejected : 0), 'depth rejections miscounted');
  return 'decoded';
}

/** What JSON.parse builds from a document, counted independently of the scanner. */
function measureJson(value: unknown, key: string | null, depth: number, m: Measure & { spans: number; nesting: number }): void {
  m.values++;
  if (value === null || typeof value !== 'object') return;
  m.nesting = Math.max(m.nesting, depth + 1);
  if (Array.isArray(value)) {
    if (key === 'spans') m.spans += value.length;
    else if (!['resourceSpans', 'resource_spans', 'scopeSpans', 'scope_spans'].includes(key ?? '')) m.longestList = Math.max(m.longestList, value.length);
    for (const item of value) measureJson(item, null, depth + 1, m);
  } else for (const [k, v] of Object.entries(value)) measureJson(v, k, depth + 1, m);
}

/**
 * The scanner counts exactly what JSON.parse builds, on any JSON text, whether
 * it is given the text whole or in pieces cut anywhere (as it is while a gzip'd
 * body is unpacked).
 */
export function jsonScanExact(text: string, cuts: number[] = []): void {
  const m = { values: 0, longestList: 0, depth: 0, spans: 0, nesting: 0 };
  measureJson(JSON.parse(text), null, 0, m);
  const generous: DecodeBudgets = { maxSpansPerRequest: 1e9, maxListValues: 1e9, maxValues: 1e9, maxDepth: Math.ceil(m.nesting / 4) };
  const bytes = new TextEncoder().encode(text);
  const scan = scanJsonBudgets(bytes, generous);
  const scanner = new JsonBudgetScanner(generous);
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    scanner.write(bytes.subarray(from, cut));
    from = cut;
  }
  scanner.write(bytes.subarray(from));
  const inPieces = scanner.result();
  must(JSON.stringify(inPieces) === JSON.stringify(scan), `scanned in pieces ${JSON.stringify(inPieces)} ≠ whole ${JSON.stringify(scan)}`);
  must(scan.values === m.values, `scanner counted ${scan.values} values, JSON.parse built ${m.values}`);
  must(scan.depth === m.nesting, `scanner saw nesting ${scan.depth}, JSON.parse ${m.nesting}`);
  must(scan.longestList === m.longestList, `scanner's longest list ${scan.longestList}, JSON.parse's ${m.longestList}`);
  must(scan.spans === m.spans, `scanner counted ${scan.spans} spans, JSON.parse ${m.spans}`);
}

/** JSON against small budgets: refused exactly when the document is over one, before JSON.parse. */
export function jsonBudgets(spans: FlatSpan[], b: DecodeBudgets): 'decoded' | 'refused' {
  const text = JSON.stringify(toOtlpJson(spans));
  const m = { values: 0, longestList: 0, depth: 0, spans: 0, nesting: 0 };
  measureJson(JSON.parse(text), null, 0, m);
  const over = {
    spans: m.spans > b.maxSpansPerRequest,
    list_values: m.longestList > b.maxListValues,
    values: m.values > b.maxValues,
    depth: m.nesting > jsonDepthLimit(b.maxDepth),
  };
  const r = refusal(() => decodeJsonRequest(text, b), spans, b);
  if (r === null) return 'refused';
  if (r instanceof BudgetExceeded) {
    must(over[r.budget as keyof typeof over] === true, `refused as over '${r.budget}' but the document is not (${JSON.stringify(m)})`);
    return 'refused';
  }
  must(!Object.values(over).some(Boolean), `a document over a budget was decoded unnoticed: ${JSON.stringify(m)} with ${JSON.stringify(b)}`);
  must(r.spans.every((s) => measureSpans([s]).depth <= b.maxDepth), 'a span nested deeper than the depth budget was kept');
  return 'decoded';
}

/** Damaged protobuf against small budgets: whatever is decoded is within them. */
export function damagedProtobufBudgets(spans: FlatSpan[], ops: Damage, b: DecodeBudgets): void {
  const bytes = applyDamage(encodeProtobufRequest(spans), ops);
  let r: DecodedRequest;
  try {
    r = decodeProtobufRequest(bytes, b);
  } catch (err) {
    must(err instanceof DecodeError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return;
  }
  must(within(measureSpans(r.spans), r.spans.length + r.rejected, b), 'a damaged request decoded beyond the budgets');
}
