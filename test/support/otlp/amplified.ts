/**
 * The amplified requests of issue 15, as bytes: one span whose attribute `a`
 * is an array of n empty values. Tiny once gzip'd (20 M values: ~58 KB JSON,
 * ~57 KB protobuf), huge once decoded. Written by hand: an encoder would build
 * the n values first.
 */
import { randomBytes } from 'node:crypto';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

function fixed64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);
const nanos = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

/** OTLP/protobuf: each empty AnyValue is 2 bytes (tag 10, length 0). */
export function protobufWithEmptyValues(n: number, startMs = 1767225600000): Buffer {
  const values = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) values[i * 2] = 10;
  const keyValue = Buffer.concat([field(10, Buffer.from('a')), field(18, field(42, values))]); // key, value.array_value
  const span = Buffer.concat([
    field(10, randomBytes(16)), field(18, randomBytes(8)),
    Buffer.from([57]), fixed64(nanos(startMs)), Buffer.from([65]), fixed64(nanos(startMs + 1)),
    field(74, keyValue),
  ]);
  return field(10, field(18, field(18, span))); // resource_spans → scope_spans → spans
}

/** OTLP/JSON: `{"arrayValue":{"values":[{},{},…]}}`, 3 bytes per value. */
export function jsonWithEmptyValues(n: number, startMs = 1767225600000): Buffer {
  const head = JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), name: 'amplified',
      startTimeUnixNano: String(nanos(startMs)), endTimeUnixNano: String(nanos(startMs + 1)),
      attributes: [{ key: 'a', value: 'VALUE' }],
    }] }] }],
  });
  const [before, after] = head.split('"VALUE"') as [string, string];
  const values = Buffer.alloc(Math.max(0, n * 3 - 1), '{},');
  return Buffer.concat([Buffer.from(before + '{"arrayValue":{"values":['), values, Buffer.from(']}}' + after)]);
}
