import { describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { contentEncodingOf, inflateAsync, inflateSync, inflateWatching } from './inflate';
import { JsonBudgetScanner } from '../otlp/json-budget-scan';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';
import { jsonWithEmptyValues } from '../../test/support/otlp/amplified';

const LIMIT = 1024 * 1024;
const text = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 2_000 }, (_, i) => ({ name: `s${i}` })) }] }] }));

describe('request bodies unpacked within the bytes budget', () => {
  it.each([
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP ', 'gzip'],
    ['deflate', 'deflate'],
    [undefined, 'identity'],
  ] as const)('Content-Encoding %s → %s', (header, expected) => {
    expect(contentEncodingOf(header)).toBe(expected);
  });

  it('refuses other encodings as invalid_argument', () => {
    expect(() => contentEncodingOf('br')).toThrow(expect.objectContaining({ kind: 'invalid_argument' }));
  });

  it.each([['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]] as const)('%s: sync, async and watched give the same bytes', async (encoding, pack) => {
    const packed = pack(text);
    const pieces: number[] = [];
    expect(Buffer.from(inflateSync(packed, encoding, LIMIT))).toEqual(text);
    expect(Buffer.from(await inflateAsync(packed, encoding, LIMIT))).toEqual(text);
    expect(Buffer.from(await inflateWatching(packed, encoding, LIMIT, (p) => pieces.push(p.length)))).toEqual(text);
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(text.length);
  });

  it.each([
    ['sync', (b: Uint8Array) => Promise.resolve().then(() => inflateSync(b, 'gzip', LIMIT))],
    ['async', (b: Uint8Array) => inflateAsync(b, 'gzip', LIMIT)],
    ['watched', (b: Uint8Array) => inflateWatching(b, 'gzip', LIMIT, () => {})],
  ])('%s: over the budget → too_large (bytes); corrupt → invalid_argument', async (_, unpack) => {
    await expect(unpack(zlib.gzipSync(Buffer.alloc(LIMIT + 1)))).rejects.toMatchObject({ kind: 'too_large', budget: 'bytes' });
    await expect(unpack(Buffer.from('not gzip at all'))).rejects.toMatchObject({ kind: 'invalid_argument' });
  });

  it('stops unpacking at the watcher\'s refusal: 60 MB of gzip\'d empty values, refused within the first pieces', async () => {
    const bomb = zlib.gzipSync(jsonWithEmptyValues(20_000_000));
    const scanner = new JsonBudgetScanner(DEFAULT_DECODE_BUDGETS);
    let unpacked = 0;
    const t0 = performance.now();
    await expect(inflateWatching(bomb, 'gzip', 16 * LIMIT, (p) => {
      unpacked += p.length;
      scanner.write(p);
    })).rejects.toMatchObject({ budget: 'list_values' });
    expect(unpacked).toBeLessThan(256 * 1024);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
