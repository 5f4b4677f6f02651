import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from './decode-json';
import { decodeProtobufRequest } from './decode-protobuf';
import { encodeProtobufRequest } from './encode-protobuf';
import { BudgetExceeded, type BudgetKind, type DecodeBudgets } from './decode-budget';
import { jsonDepthLimit, scanJsonBudgets } from './json-budget-scan';
import type { AttrValue, DecodedRequest, FlatSpan } from './types';
import { flatSpan, numberedSpans, toOtlpJson } from '../../test/support/otlp/flat-spans';
import { jsonWithEmptyValues, protobufWithEmptyValues } from '../../test/support/otlp/amplified';

const BUDGETS: DecodeBudgets = { maxSpansPerRequest: 4, maxListValues: 10, maxValues: 200, maxDepth: 3 };

const encodings: [string, (spans: FlatSpan[], b: DecodeBudgets) => DecodedRequest][] = [
  ['protobuf', (spans, b) => decodeProtobufRequest(encodeProtobufRequest(spans), b)],
  ['json', (spans, b) => decodeJsonRequest(JSON.stringify(toOtlpJson(spans)), b)],
];

const many = (n: number, value: AttrValue = 'v') => Array.from({ length: n }, () => value);
const keys = (n: number): Record<string, AttrValue> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const event = (attributes: Record<string, AttrValue> = {}) => ({ name: 'e', timeMs: 1767225600001, attributes });

/** [case, spans, the budget it goes over or null]: each at the limit, and one past it. */
const cases: [string, FlatSpan[], BudgetKind | null][] = [
  ['an array value of 10', [flatSpan({ attributes: { a: many(10) } })], null],
  ['an array value of 11', [flatSpan({ attributes: { a: many(11) } })], 'list_values'],
  ['an array of empty values, 11', [flatSpan({ attributes: { a: many(11, null) } })], 'list_values'],
  ['a key-value list of 11', [flatSpan({ attributes: { m: keys(11) } })], 'list_values'],
  ['10 attributes', [flatSpan({ attributes: keys(10) })], null],
  ['11 attributes', [flatSpan({ attributes: keys(11) })], 'list_values'],
  ['11 resource attributes', [flatSpan({ resource: keys(11) })], 'list_values'],
  ['10 events', [flatSpan({ events: many(10, null).map(() => event()) })], null],
  ['11 events', [flatSpan({ events: many(11, null).map(() => event()) })], 'list_values'],
  ['an event with 11 attributes', [flatSpan({ events: [event(keys(11))] })], 'list_values'],
  ['4 spans', numberedSpans(4), null],
  ['5 spans', numberedSpans(5), 'spans'],
  // 4 spans × 9 attributes × 10-element arrays: every list within its budget, the request over 200 values
  ['values over the request budget', numberedSpans(4, { attributes: Object.fromEntries(many(9).map((_, i) => [`k${i}`, many(10)])) }), 'values'],
];

describe.each(encodings)('decode budgets (%s)', (_, decode) => {
  it.each(cases)('%s', (_, spans, budget) => {
    if (budget === null) {
      expect(decode(spans, BUDGETS).spans).toHaveLength(spans.length);
      return;
    }
    let thrown: unknown;
    try {
      decode(spans, BUDGETS);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(BudgetExceeded);
    expect((thrown as BudgetExceeded).budget).toBe(budget);
    expect((thrown as Error).message).toMatch(/SAGASCOPE_[A-Z_]+; send smaller batches\)$/);
  });

  it('rejects only the span whose values nest deeper than the depth budget', () => {
    const deep: AttrValue = [[[['x']]]]; // 4 levels of arrays
    const [a, b] = numberedSpans(2);
    const result = decode([a!, { ...b!, attributes: { deep } }], BUDGETS);
    expect(result.spans.map((s) => s.spanId)).toEqual([a!.spanId]);
    expect(result.tooDeep).toBe(1);
    expect(result.rejectReasons).toEqual(['span 1: attribute value nested deeper than 3']);
  });

  it('decodes the same request with generous budgets', () => {
    const spans = numberedSpans(5, { attributes: { a: many(11), m: keys(11) } });
    expect(decode(spans, { maxSpansPerRequest: 5, maxListValues: 11, maxValues: 1_000, maxDepth: 3 }).spans).toHaveLength(5);
  });
});

describe('the amplified requests of issue 15', () => {
  const budgets: DecodeBudgets = { maxSpansPerRequest: 100_000, maxListValues: 10_000, maxValues: 1_000_000, maxDepth: 32 };

  it('JSON: 5 M empty array values are refused on the bytes, before JSON.parse, in well under a second', () => {
    const body = jsonWithEmptyValues(5_000_000);
    const t0 = performance.now();
    expect(() => decodeJsonRequest(body, budgets)).toThrow(expect.objectContaining({ budget: 'list_values' }));
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('protobuf: 5 M empty values are refused at the 10,001st, in well under a second', () => {
    const t0 = performance.now();
    expect(() => decodeProtobufRequest(protobufWithEmptyValues(5_000_000), budgets)).toThrow(expect.objectContaining({ budget: 'list_values' }));
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(decodeProtobufRequest(protobufWithEmptyValues(10_000), budgets).spans[0]!.attributes.a).toHaveLength(10_000);
    expect(decodeJsonRequest(jsonWithEmptyValues(10_000), budgets).spans[0]!.attributes.a).toHaveLength(10_000);
  });
});

describe('scanJsonBudgets counts what JSON.parse builds', () => {
  const generous: DecodeBudgets = { maxSpansPerRequest: 1e9, maxListValues: 1e9, maxValues: 1e9, maxDepth: 32 };
  const scan = (text: string) => scanJsonBudgets(Buffer.from(text), generous);

  it.each([
    ['{}', 1, 1],
    ['[]', 1, 1],
    ['[1, "two", true, null, {"a": [2.5e3, -1]}]', 9, 3],
    ['{"a\\"b": "c\\\\", "d": "\\"[{"}', 3, 1],
    ['"just a string"', 1, 0],
    ['{"k": "value with ] and } and , inside"}', 2, 1],
  ])('%s: %i values, depth %i', (text, values, depth) => {
    expect(scan(text)).toMatchObject({ values, depth });
  });

  it('exempts the envelope arrays from the list budget and counts spans, escaped keys included', () => {
    const spans = Array.from({ length: 12 }, () => ({}));
    const text = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
    const tight: DecodeBudgets = { maxSpansPerRequest: 12, maxListValues: 2, maxValues: 100, maxDepth: 3 };
    expect(scanJsonBudgets(Buffer.from(text), tight)).toMatchObject({ spans: 12, longestList: 0 });
    expect(() => scanJsonBudgets(Buffer.from(text), { ...tight, maxSpansPerRequest: 11 })).toThrow(expect.objectContaining({ budget: 'spans' }));
    const escaped = text.replace('"spans"', '"\\u0073pans"');
    expect(() => scanJsonBudgets(Buffer.from(escaped), { ...tight, maxSpansPerRequest: 11 })).toThrow(expect.objectContaining({ budget: 'spans' }));
    // the same array under any other key is a list
    expect(() => scanJsonBudgets(Buffer.from(text.replace('"spans"', '"spanz"')), tight)).toThrow(expect.objectContaining({ budget: 'list_values' }));
  });

  it('refuses nesting past the JSON depth an allowed value can need', () => {
    const limit = jsonDepthLimit(3);
    expect(() => scanJsonBudgets(Buffer.from('['.repeat(limit) + ']'.repeat(limit)), { ...generous, maxDepth: 3 })).not.toThrow();
    expect(() => scanJsonBudgets(Buffer.from('['.repeat(limit + 1) + ']'.repeat(limit + 1)), { ...generous, maxDepth: 3 })).toThrow(expect.objectContaining({ budget: 'depth' }));
  });

  it('ends on any bytes', () => {
    for (const text of ['"unterminated', '{"a":', '\\', ']]]]', '{{{{', '"\\', 'tru', '\u00ff\u00fe']) expect(() => scan(text)).not.toThrow();
  });
});
