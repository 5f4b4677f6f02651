import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  hexToBytes,
  int64PartsToValue,
  jsonInt64ToValue,
  msToNanosParts,
  nanosNumberToMs,
  nanosPartsToMs,
  nanosStringToMs,
} from './wire-conversions';

/** Reference: exact integer arithmetic, µs rounded half up. */
function referenceMs(nanos: bigint): number {
  return Number((nanos + 500n) / 1000n) / 1000;
}

function parts(nanos: bigint): [number, number] {
  return [Number(nanos & 0xffffffffn), Number(nanos >> 32n)];
}

const SAMPLE_NANOS = [
  0n,
  1n,
  499n,
  500n,
  999_999n,
  1_767_225_600_000_000_000n, // 2026-01-01
  1_767_225_600_123_456_499n,
  1_767_225_600_123_456_500n,
  1_767_225_600_999_999_999n,
  4_102_444_800_000_000_001n, // 2100-01-01
  (1n << 32n) - 1n,
  1n << 32n,
  (1n << 32n) * 1000n + 999n,
];

describe('time conversions', () => {
  it.each(SAMPLE_NANOS.map((n) => [n.toString(), n] as const))('%s ns decodes identically from fixed64 parts and from a JSON string', (_, nanos) => {
    const expected = referenceMs(nanos);
    expect(nanosPartsToMs(...parts(nanos))).toBe(expected);
    expect(nanosStringToMs(nanos.toString())).toBe(expected);
    expect(nanosStringToMs(`000${nanos}`)).toBe(expected);
  });

  it('agrees with exact arithmetic for 20,000 pseudo-random instants between 1970 and 2200', () => {
    let x = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      const nanos = x % 7_258_118_400_000_000_000n;
      const ms = nanosPartsToMs(...parts(nanos));
      if (ms !== referenceMs(nanos) || nanosStringToMs(nanos.toString()) !== ms) throw new Error(`mismatch at ${nanos}`);
      // and the encoder recovers nanoseconds that decode to the same value
      const [lo, hi] = msToNanosParts(ms);
      if (nanosPartsToMs(lo, hi) !== ms) throw new Error(`encode mismatch at ${nanos}`);
      expect(lo >>> 0).toBe(lo);
    }
  });

  it('encodes ms back to the exact whole-microsecond nanoseconds', () => {
    const nanos = 1_767_225_600_123_457_000n;
    const [lo, hi] = msToNanosParts(referenceMs(nanos));
    expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(nanos);
  });

  it('rounds JSON number nanoseconds to microseconds', () => {
    expect(nanosNumberToMs(1_500)).toBe(0.002);
    expect(nanosNumberToMs(1_767_225_600_000_000_000)).toBe(1767225600000);
  });
});

describe('int64 values', () => {
  it.each([
    [0n, 0],
    [42n, 42],
    [-1n, -1],
    [BigInt(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    [BigInt(-Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER],
    [2n ** 53n, '9007199254740992'],
    [-(2n ** 53n), '-9007199254740992'],
    [2n ** 63n - 1n, '9223372036854775807'],
    [-(2n ** 63n), '-9223372036854775808'],
    [-(2n ** 32n), -(2 ** 32)],
  ])('two\'s complement %s → %j', (value, expected) => {
    const unsigned = BigInt.asUintN(64, value);
    expect(int64PartsToValue(Number(unsigned & 0xffffffffn), Number(unsigned >> 32n))).toBe(expected);
  });

  it.each([
    ['12', 12],
    [12, 12],
    ['-0', 0],
    [-0, 0],
    ['0009', 9],
    ['9223372036854775807', '9223372036854775807'],
    [2 ** 60, '1152921504606846976'],
    ['1.5', undefined],
    [1.5, undefined],
    ['12abc', undefined],
    ['', undefined],
    [true, undefined],
  ])('JSON intValue %j → %j', (raw, expected) => {
    expect(jsonInt64ToValue(raw)).toBe(expected);
  });
});

describe('hex ids', () => {
  it('converts bytes to lowercase hex and back', () => {
    const bytes = Uint8Array.from([0, 1, 0x0f, 0x10, 0xab, 0xff]);
    expect(bytesToHex(bytes, 0, bytes.length)).toBe('00010f10abff');
    expect(bytesToHex(bytes, 2, 4)).toBe('0f10');
    expect(hexToBytes('00010F10abff')).toEqual(bytes);
  });

  it('refuses malformed hex instead of guessing', () => {
    expect(() => hexToBytes('abc')).toThrow();
    expect(() => hexToBytes('0g')).toThrow();
  });
});
