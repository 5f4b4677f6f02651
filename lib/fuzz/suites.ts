/** The fuzz suites: generator + property, shared by the unit test (few runs) and `npm run fuzz` (≥ 1,000,000 inputs). */
import fc from 'fast-check';
import { flatSpan, damage, attrValue, text, sagaSpans, listySpans, smallBudgets } from './arbitraries';
import {
  anyJson, damagedJson, damagedProtobuf, damagedProtobufBudgets, jsonBudgets, jsonScanExact, protobufBudgets,
  protobufRoundTrip, randomProtobuf, sagaModel,
} from './targets';
import { toOtlpJson } from '../../test/support/otlp/flat-spans';

const spans = fc.array(flatSpan, { minLength: 1, maxLength: 4 });
const SPAN_FIELDS = ['traceId', 'spanId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'status', 'events', 'trace_id', 'span_id'];
/** Requests shaped like OTLP/JSON whose span fields hold arbitrary JSON. */
const almostOtlp = fc.array(fc.dictionary(fc.constantFrom(...SPAN_FIELDS), fc.jsonValue({ maxDepth: 3 })), { maxLength: 3 })
  .map((list) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: list }] }] }));

export interface Suite {
  name: string;
  /** Share of the total number of runs. */
  weight: number;
  property: fc.IProperty<never> | fc.IProperty<unknown[]>;
}

export const SUITES: Suite[] = [
  { name: 'protobuf: valid requests round-trip', weight: 0.05, property: fc.property(spans, (s) => protobufRoundTrip(s)) },
  { name: 'protobuf: damaged requests', weight: 0.3, property: fc.property(spans, damage, (s, d) => void damagedProtobuf(s, d)) },
  { name: 'protobuf: random bytes', weight: 0.1, property: fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void randomProtobuf(b)) },
  { name: 'json: damaged requests', weight: 0.2, property: fc.property(spans, damage, (s, d) => void damagedJson(JSON.stringify(toOtlpJson(s)), d)) },
  { name: 'json: OTLP-shaped requests with arbitrary fields', weight: 0.1, property: fc.property(almostOtlp, (v) => void anyJson(v)) },
  { name: 'json: any JSON value', weight: 0.05, property: fc.property(fc.oneof(fc.jsonValue(), attrValue, text), (v) => void anyJson(v)) },
  { name: 'saga model + rollup contribution', weight: 0.185, property: fc.property(sagaSpans, (s) => sagaModel(s)) },
  // Decode budgets (issue 15): no input exceeds them unnoticed, none is refused while within them.
  { name: 'budgets: protobuf requests vs small budgets', weight: 0.004, property: fc.property(listySpans, smallBudgets, (s, b) => void protobufBudgets(s, b)) },
  { name: 'budgets: json requests vs small budgets', weight: 0.004, property: fc.property(listySpans, smallBudgets, (s, b) => void jsonBudgets(s, b)) },
  { name: 'budgets: damaged protobuf vs small budgets', weight: 0.004, property: fc.property(listySpans, damage, smallBudgets, (s, d, b) => damagedProtobufBudgets(s, d, b)) },
  { name: 'budgets: json scan (whole or in pieces) counts what JSON.parse builds', weight: 0.003, property: fc.property(fc.oneof(fc.jsonValue(), almostOtlp), fc.array(fc.nat(), { maxLength: 8 }), (v, cuts) => jsonScanExact(JSON.stringify(v) ?? 'null', cuts)) },
] as unknown as Suite[];
