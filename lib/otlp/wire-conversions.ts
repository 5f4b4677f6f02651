/**
 * Conversions shared by the OTLP decoders and the encoder, kept in one place so
 * that protobuf and JSON produce bit-identical FlatSpans for the same data.
 */
import type { AttrValue, Attributes } from './types';
import { keepHiddenClasses } from '../runtime/hidden-classes';

/** Shared by every span/event that has no attributes: never mutated, so one frozen object is enough. */
export const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});

export const ZERO_TRACE_ID = '0'.repeat(32);
export const ZERO_SPAN_ID = '0'.repeat(16);

const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function bytesToHex(buf: Uint8Array, start: number, end: number): string {
  let hex = '';
  for (let i = start; i < end; i++) hex += BYTE_TO_HEX[buf[i]];
  return hex;
}

/** Inverse of bytesToHex for well-formed input; used by the encoder only. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not a hex id: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/*
 * Times. OTLP sends uint64 nanoseconds; FlatSpan holds float milliseconds with
 * whole microseconds (sub-µs dropped, see types.ts). Rounding to an exact integer
 * number of microseconds first (and only then dividing by 1000) makes the result
 * canonical: both decoders yield the same double, and the encoder can recover the
 * exact nanoseconds of any decoded value, so round trips are exact.
 */

const TWO_POW_32 = 4294967296;
/** 2^32 = 4_294_967 * 1000 + 296: lets hi * 2^32 be split into whole µs + leftover ns without BigInt. */
const US_PER_HI = 4294967;
const NS_LEFT_PER_HI = 296;

/** uint64 nanoseconds given as two uint32 halves → ms with whole-µs precision (half up). */
export function nanosPartsToMs(lo: number, hi: number): number {
  const leftoverNs = hi * NS_LEFT_PER_HI + lo; // < 2^41, exact
  const remainder = leftoverNs % 1000;
  const us = hi * US_PER_HI + (leftoverNs - remainder) / 1000 + (remainder >= 500 ? 1 : 0);
  return us / 1000;
}

/** Decimal uint64 nanoseconds (OTLP/JSON) → ms, identical to nanosPartsToMs for the same value. */
export function nanosStringToMs(digits: string): number {
  if (digits.length <= 15) return Math.round(Number(digits) / 1000) / 1000;
  const us = Number(digits.slice(0, -3)) + (Number(digits.slice(-3)) >= 500 ? 1 : 0);
  return us / 1000;
}

/** Nanoseconds given as a JSON number (already rounded by JSON.parse when large) → ms. */
export function nanosNumberToMs(nanos: number): number {
  return Math.round(nanos / 1000) / 1000;
}

/** ms → [lo, hi] uint32 halves of the nanoseconds; exact for every decoded value. */
export function msToNanosParts(ms: number): [lo: number, hi: number] {
  let us = Math.round(ms * 1000);
  // From about 2109 on, doubles are coarser than 1 µs at epoch-ms magnitude and ms * 1000
  // can land one µs off; pick the neighbour that decodes back to ms.
  if (us / 1000 !== ms) us = (us - 1) / 1000 === ms ? us - 1 : (us + 1) / 1000 === ms ? us + 1 : us;
  const usHi = Math.floor(us / TWO_POW_32);
  const nsFromLo = (us - usHi * TWO_POW_32) * 1000; // < 2^42, exact
  const carry = Math.floor(nsFromLo / TWO_POW_32);
  return [nsFromLo - carry * TWO_POW_32, usHi * 1000 + carry];
}

/*
 * int64 attribute values: JS numbers cannot hold all of them, so values outside
 * the safe-integer range are kept exactly as decimal strings.
 */

/** Two's complement int64 as uint32 halves → number when safe, else decimal string. */
export function int64PartsToValue(lo: number, hi: number): number | string {
  if (hi < 0x200000) return hi * TWO_POW_32 + lo; // 0 ≤ v < 2^53
  if (hi >= 0x80000000) {
    // negative: magnitude = two's complement
    const magLo = (~lo + 1) >>> 0;
    const magHi = (~hi + (magLo === 0 ? 1 : 0)) >>> 0;
    if (magHi < 0x200000) return -(magHi * TWO_POW_32 + magLo);
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

const DECIMAL_INTEGER = /^-?\d+$/;

/** OTLP/JSON intValue (string or number) → number when safe, else canonical decimal string; undefined if not an integer. */
export function jsonInt64ToValue(raw: unknown): number | string | undefined {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw)) return raw || 0;
    return Number.isInteger(raw) ? BigInt(raw).toString() : undefined;
  }
  if (typeof raw !== 'string' || !DECIMAL_INTEGER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n || 0 : BigInt(raw).toString(); // "-0" is 0: int64 has no negative zero
}

/*
 * Attribute objects are built from untrusted keys: a plain assignment of
 * "__proto__" would replace the object's prototype instead of adding a key.
 */
export function setAttribute(target: Record<string, AttrValue>, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Resource attributes frozen (deepFreeze), and, for the first MAX_KEPT_SHAPES
 * sets of attribute names, one such resource kept for good. Freezing gives each
 * resource a hidden class of its own shape that lives only while a resource of
 * that shape does; an ingest worker drops a request's resources and forces a
 * full collection every few MB (lib/ingest/decode-worker.ts), which freed those
 * classes and threw away the decoder's optimized code every time (7 times in 40
 * collections, lib/runtime/hidden-classes.test.ts). A fleet sends few shapes.
 */
export function freezeResource(resource: Attributes): Attributes {
  deepFreeze(resource);
  if (keptShapes.size < MAX_KEPT_SHAPES) {
    let shape = '';
    for (const key in resource) shape += key + '\u0000';
    if (!keptShapes.has(shape)) {
      keptShapes.add(shape);
      keepHiddenClasses(resource);
    }
  }
  return resource;
}
const MAX_KEPT_SHAPES = 256;
const keptShapes = new Set<string>();

/** Resource attributes are shared by many spans, so nothing downstream may change them. */
export function deepFreeze<T extends AttrValue | Attributes>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, AttrValue>)[key]);
  }
  return value;
}

/** Values outside the OTLP enums are treated as "unspecified", so downstream can rely on the ranges in types.ts. */
export function normaliseKind(kind: number): number {
  return kind >= 0 && kind <= 5 && Number.isInteger(kind) ? kind : 0;
}

export function normaliseStatusCode(code: number): number {
  return code >= 0 && code <= 2 && Number.isInteger(code) ? code : 0;
}
