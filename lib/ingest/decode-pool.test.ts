import { afterAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { DecodePool, INLINE_DECODE_BYTES, InlineDecoder } from './decode-pool';
import { decodeRequestRows, type RequestLimits } from './decode-rows';
import { encodeProtobufRequest } from '../otlp/encode-protobuf';
import { numberedSpans } from '../../test/support/otlp/flat-spans';
import { jsonWithEmptyValues, protobufWithEmptyValues } from '../../test/support/otlp/amplified';
import { DEFAULT_SPAN_LIMITS } from './limits';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';

const limits: RequestLimits = { ...DEFAULT_SPAN_LIMITS, ...DEFAULT_DECODE_BUDGETS };
const setup = { limits, maxBytes: 16 * 1024 * 1024 };
const pool = new DecodePool(setup, 1);
afterAll(() => pool.close());

/** Enough spans that the body goes to the worker, and its rows come back in several chunks. */
const spans = numberedSpans(3_000, { attributes: { 'saga.id': 'pool', k: 'x'.repeat(40) } }).map((s, i) => ({ ...s, traceId: i.toString(16).padStart(32, '1') }));
const body = encodeProtobufRequest(spans);

describe('DecodePool', () => {
  it('decodes on a worker exactly what the main thread would, rows and counts', async () => {
    expect(body.length).toBeGreaterThan(INLINE_DECODE_BYTES);
    const expected = decodeRequestRows(body, 'protobuf', limits);
    const got = await pool.decode({ body: Uint8Array.from(body), encoding: 'protobuf', contentEncoding: 'identity' });
    expect(got).toEqual(expected);
  });

  it('unpacks gzip and deflate on the worker', async () => {
    const expected = decodeRequestRows(body, 'protobuf', limits);
    for (const [contentEncoding, packed] of [['gzip', zlib.gzipSync(body)], ['deflate', zlib.deflateSync(body)]] as const) {
      expect((await pool.decode({ body: packed, encoding: 'protobuf', contentEncoding })).rows).toEqual(expected.rows);
    }
  });

  it('answers many concurrent requests, each with its own rows', async () => {
    const bodies = Array.from({ length: 6 }, (_, k) => encodeProtobufRequest(spans.slice(k * 500, k * 500 + 500)));
    const results = await Promise.all(bodies.map((b) => pool.decode({ body: zlib.gzipSync(b), encoding: 'protobuf', contentEncoding: 'gzip' })));
    results.forEach((r, k) => expect(r.rows.map((x) => x.spanId)).toEqual(spans.slice(k * 500, k * 500 + 500).map((s) => s.spanId)));
  });

  it.each([
    // JSON is scanned while it is unpacked: refused at the 10,001st value, long before the bytes budget
    ['JSON, 20 M empty values (60 MB unpacked)', () => zlib.gzipSync(jsonWithEmptyValues(20_000_000)), 'json', 'invalid_argument', 'list_values'],
    ['protobuf, 30 M empty values (60 MB unpacked)', () => zlib.gzipSync(protobufWithEmptyValues(30_000_000)), 'protobuf', 'too_large', 'bytes'],
    ['JSON, 5 M empty values (15 MB unpacked)', () => zlib.gzipSync(jsonWithEmptyValues(5_000_000)), 'json', 'invalid_argument', 'list_values'],
    ['protobuf, 5 M empty values', () => zlib.gzipSync(protobufWithEmptyValues(5_000_000)), 'protobuf', 'invalid_argument', 'list_values'],
  ] as const)('refuses the amplified request %s, naming the budget', async (_, make, encoding, kind, budget) => {
    const packed = make();
    expect(packed.length).toBeLessThan(64 * 1024);
    // What it costs is a benchmark's matter (bench/decode.ts); here: refused, and by which budget.
    await expect(pool.decode({ body: packed, encoding, contentEncoding: 'gzip' })).rejects.toMatchObject({ kind, budget });
  }, 60_000); // building 60 MB of input to compress takes seconds on a loaded machine

  it('keeps the main thread free while a worker decodes: timers keep firing', async () => {
    const big = encodeProtobufRequest(numberedSpans(20_000, { attributes: { k: 'y'.repeat(100) } }).map((s, i) => ({ ...s, traceId: i.toString(16).padStart(32, '2') })));
    /** Timer ticks while `work` runs, and the longest gap between two. */
    async function ticksDuring(work: () => Promise<unknown>) {
      let ticks = 0;
      let worstGap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks++;
      }, 5);
      const t0 = performance.now();
      await work();
      const took = performance.now() - t0;
      clearInterval(timer);
      return { ticks, worstGap: Math.max(worstGap, performance.now() - last), took };
    }
    const inline = await ticksDuring(async () => decodeRequestRows(big, 'protobuf', limits));
    const worker = await ticksDuring(() => pool.decode({ body: big, encoding: 'protobuf', contentEncoding: 'identity' }));
    expect(inline.ticks).toBe(0); // the thread is held for the whole decode
    // On a worker the thread is taken only for a chunk of rows at a time (and by GC of what it keeps):
    // timings on this shared machine are noisy, so the bound is loose.
    expect(worker.ticks).toBeGreaterThan(10);
    expect(worker.worstGap).toBeLessThan(Math.max(worker.took, inline.took) / 2);
  });

  it('decodes small uncompressed bodies inline, and everything inline with no workers', async () => {
    const small = encodeProtobufRequest(spans.slice(0, 3));
    expect(small.length).toBeLessThan(INLINE_DECODE_BYTES);
    expect((await pool.decode({ body: small, encoding: 'protobuf', contentEncoding: 'identity' })).rows).toHaveLength(3);
    expect((await new InlineDecoder(setup).decode({ body: zlib.gzipSync(body), encoding: 'protobuf', contentEncoding: 'gzip' })).rows).toHaveLength(3_000);
  });
});
