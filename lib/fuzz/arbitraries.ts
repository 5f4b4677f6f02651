/**
 * fast-check generators for hostile input (issue #6): OTLP spans with arbitrary
 * text, nested attribute values, extreme numbers and saga attributes, the
 * protobuf and JSON bytes a client could send, and raw saga spans for the model.
 * Test support only.
 */
import fc from 'fast-check';
import type { AttrValue, FlatSpan } from '../otlp/types';
import type { SagaSpan } from '../saga/types';
import { OPS, PROTOCOLS } from '../saga/types';

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
/** Any text: every code point, lone surrogates, control characters, markup. */
export const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom('', '\u0000', '<img src=x onerror=alert(1)>', 'javascript:alert(1)', "'; DROP TABLE spans; --", '\ud800', 'a'.repeat(5000)),
);
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), Number.MAX_VALUE, 1e-300));

export const attrValue: fc.Arbitrary<AttrValue> = fc.letrec<{ v: AttrValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text, number, fc.boolean(), fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(text, tie('v'), { maxKeys: 4 }),
  ),
})).v;

const SAGA_KEYS = [
  'saga.id', 'saga.name', 'saga.protocol', 'saga.role', 'saga.step', 'saga.step.index', 'saga.op', 'saga.attempt',
  'saga.step.result', 'saga.branch_id', 'saga.action_url', 'saga.compensate_url', 'saga.trigger', 'dtm.gid',
  'url.full', 'url.query', 'http.target', 'rpc.grpc.request.metadata.dtm-gid',
];
const sagaValue = fc.oneof(
  text, number, fc.constantFrom(...OPS, ...PROTOCOLS, 'coordinator', 'participant', 'success', 'failure', 'manual'),
  fc.constantFrom('gid=g1&trans_type=saga&branch_id=01&op=action', '/api/x?gid=&op=compensate', 'http://h/p?gid=%ZZ'),
);
export const attributes = fc.tuple(
  fc.dictionary(fc.constantFrom(...SAGA_KEYS), sagaValue, { maxKeys: 8 }),
  fc.dictionary(text, attrValue, { maxKeys: 6 }),
).map(([a, b]) => ({ ...b, ...a }));

const time = fc.oneof(fc.double({ min: 0, max: 4e12, noNaN: true }), fc.constantFrom(0, 1_767_225_600_000, 253_402_300_799_999));

export const flatSpan: fc.Arbitrary<FlatSpan> = fc.record({
  traceId: hex(16), spanId: hex(8), parentSpanId: fc.option(hex(8)),
  name: text, kind: fc.integer({ min: 0, max: 5 }),
  start: time, dur: fc.double({ min: 0, max: 1e9, noNaN: true }),
  statusCode: fc.integer({ min: 0, max: 2 }), statusMessage: fc.option(text),
  attributes, resource: fc.record({ 'service.name': text }), scope: fc.option(text),
  events: fc.option(fc.array(fc.record({ name: text, timeMs: time, attributes: fc.dictionary(text, attrValue, { maxKeys: 3 }) }), { maxLength: 3 })),
}).map(({ start, dur, ...s }) => ({ ...s, startMs: start, endMs: start + dur }));

/** Byte-level damage to a valid message: flips, truncation, insertion, duplication of a slice. */
export const damage = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), len: fc.nat({ max: 64 }) }),
  ),
  { minLength: 1, maxLength: 4 },
);
export type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

export function applyDamage(input: Uint8Array, ops: Damage): Uint8Array {
  let b = input;
  for (const op of ops) {
    const at = b.length === 0 ? 0 : op.at % (b.length + 1);
    if (op.kind === 'flip' && b.length > 0) {
      b = Uint8Array.from(b);
      b[at % b.length] = op.value;
    } else if (op.kind === 'cut') b = b.subarray(0, at);
    else if (op.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...op.bytes, ...b.subarray(at)]);
    else if (op.kind === 'repeat') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + op.len), ...b.subarray(at)]);
  }
  return b;
}

/** Raw saga spans as stored: few ids so spans collide into the same sagas, steps, parents (cycles included). */
export const sagaSpans: fc.Arbitrary<SagaSpan[]> = fc.array(
  fc.record({
    sagaId: fc.constant('g'), sagaName: fc.option(fc.constantFrom('checkout', 'refund', '')),
    protocol: fc.option(fc.constantFrom(...PROTOCOLS)), role: fc.option(fc.constantFrom('coordinator' as const, 'participant' as const)),
    step: fc.option(fc.constantFrom('a', 'b', 'c', '/api/x')), stepIndex: fc.option(fc.integer({ min: -2, max: 5 })),
    branchId: fc.option(fc.constantFrom('01', '02')), op: fc.option(fc.constantFrom(...OPS)),
    attempt: fc.option(fc.integer({ min: -1, max: 12 })), result: fc.option(fc.constantFrom('success' as const, 'failure' as const, 'skipped' as const, 'rejected' as const, 'transient' as const, 'ongoing' as const)),
    actionUrl: fc.constant(null), compensateUrl: fc.constant(null), idempotencyKey: fc.constant(null),
    trigger: fc.option(fc.constant('manual' as const)), zeroCode: fc.boolean(),
    traceId: fc.constantFrom('t1', 't2'), spanId: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'),
    parentSpanId: fc.option(fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6')),
    service: fc.constantFrom('orchestrator', 'order', 'payment'), name: fc.constantFrom('op', 'saga'),
    startMs: fc.integer({ min: 0, max: 600_000 }), dur: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constant(-1)),
    statusCode: fc.integer({ min: 0, max: 2 }), statusMessage: fc.option(fc.constantFrom('boom', '')),
  }).map(({ dur, ...s }) => ({ ...s, endMs: dur < 0 ? 0 : s.startMs + dur })),
  { maxLength: 30 },
);

// ---- decode budgets (issue 15) -------------------------------------------------------------

/** Attribute values with longer lists and deeper nesting than `attrValue` (long lists only at the top: the size stays small). */
const nestedValue: fc.Arbitrary<AttrValue> = fc.letrec<{ v: AttrValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.constantFrom('v', 1, true, null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 4 }),
  ),
})).v;
const listyValue: fc.Arbitrary<AttrValue> = fc.oneof(
  nestedValue,
  fc.array(nestedValue, { maxLength: 12 }),
  fc.dictionary(fc.string({ maxLength: 3 }), nestedValue, { maxKeys: 12 }),
);
/** Ids that are never all zero (fast-check shrinks towards zeros, which the decoders rightly reject). */
const nonZeroHex = (bytes: number) => hex(bytes).map((h) => 'a' + h.slice(1));

/** Spans whose attribute lists, array values, key-value lists and events are long enough to matter. */
export const listySpans: fc.Arbitrary<FlatSpan[]> = fc.array(
  fc.record({
    traceId: nonZeroHex(16), spanId: nonZeroHex(8),
    attributes: fc.dictionary(fc.string({ maxLength: 4 }), listyValue, { maxKeys: 12 }),
    resource: fc.dictionary(fc.string({ maxLength: 4 }), listyValue, { maxKeys: 5 }),
    events: fc.option(fc.array(fc.record({ name: fc.constant('e'), timeMs: fc.constant(1_767_225_600_001), attributes: fc.dictionary(fc.string({ maxLength: 3 }), listyValue, { maxKeys: 6 }) }), { maxLength: 8 })),
  }).map((s): FlatSpan => ({
    ...s, parentSpanId: null, name: 'op', kind: 1, startMs: 1_767_225_600_000, endMs: 1_767_225_600_002,
    statusCode: 0, statusMessage: null, scope: null,
  })),
  { minLength: 1, maxLength: 7 },
);

/** Small budgets, so that random requests fall on both sides of each. */
export const smallBudgets = fc.record({
  maxSpansPerRequest: fc.integer({ min: 1, max: 6 }),
  maxListValues: fc.integer({ min: 1, max: 14 }),
  maxValues: fc.integer({ min: 1, max: 300 }),
  maxDepth: fc.integer({ min: 1, max: 6 }),
});
