import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal';
import type { Writer } from 'protobufjs/minimal';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtobufRequest } from './decode-protobuf';
import { encodeProtobufRequest } from './encode-protobuf';
import { DecodeError, type DecodedRequest } from './types';
import { ingestBatch, sagaTraceSpans } from '../../test/support/otlp/sdk-spans';
import { expectedFlatSpan } from '../../test/support/otlp/expected-spans';
import { flatSpan } from '../../test/support/otlp/flat-spans';

function serialize(spans: Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer produced nothing');
  return bytes;
}

describe('decodeProtobufRequest against the official OTLP protobuf serializer', () => {
  const sdkSpans = sagaTraceSpans();
  const decoded = decodeProtobufRequest(serialize(sdkSpans));

  it('keeps every span and rejects none', () => {
    expect(decoded.rejected).toBe(0);
    expect(decoded.rejectReasons).toEqual([]);
    expect(decoded.spans.map((s) => s.spanId).sort()).toEqual(sdkSpans.map((s) => s.spanContext().spanId).sort());
  });

  it.each(sdkSpans.map((span) => [span.name, span] as const))('decodes %s field by field', (_, sdkSpan) => {
    const span = decoded.spans.find((s) => s.spanId === sdkSpan.spanContext().spanId);
    expect(span).toEqual(expectedFlatSpan(sdkSpan));
  });

  it('maps every SDK span kind to the OTLP kind (JS SpanKind + 1)', () => {
    expect(decoded.spans.map((s) => [s.name, s.kind])).toEqual(
      expect.arrayContaining([
        ['POST /api/checkout', 2],
        ['POST /reserve', 3],
        ['publish', 4],
        ['consume', 5],
        ['compute', 1],
      ]),
    );
  });

  it('shares one frozen resource object between the spans of a resource', () => {
    const [first, ...rest] = decoded.spans;
    for (const span of rest) expect(span.resource).toBe(first.resource);
    expect(Object.isFrozen(first.resource)).toBe(true);
    expect(Object.isFrozen(first.resource['service.tags'])).toBe(true);
  });

  it('keeps int64 values beyond 2^53 exactly, as decimal strings', () => {
    const root = decoded.spans.find((s) => s.name === 'POST /api/checkout');
    expect(root?.attributes['big.int']).toBe('1152921504606846976');
    expect(root?.attributes['negative.int']).toBe(-42);
  });

  it('decodes a 1,000-span SDK batch', () => {
    const batch = ingestBatch(1000);
    const result = decodeProtobufRequest(serialize(batch));
    expect(result.rejected).toBe(0);
    expect(result.spans).toHaveLength(1000);
    expect(result.spans[500]).toEqual(expectedFlatSpan(batch[500]));
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    const bytes = serialize(sdkSpans);
    const copy = new Uint8Array(bytes.length + 3).subarray(3);
    copy.set(bytes);
    expect(decodeProtobufRequest(copy)).toEqual(decodeProtobufRequest(Buffer.from(bytes)));
  });
});

/** Hand-written wire data, for what the SDK never sends. */
function message(build: (w: Writer) => void): Uint8Array {
  const writer = protobuf.Writer.create();
  build(writer);
  return writer.finish();
}

const TRACE_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN_ID = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);

function validSpanFields(w: Writer): Writer {
  return w
    .uint32(10).bytes(TRACE_ID)
    .uint32(18).bytes(SPAN_ID)
    .uint32(42).string('span')
    .uint32(57).fixed32(0x5f5e1000).fixed32(0x18800000) // start
    .uint32(65).fixed32(0x5f5e1000).fixed32(0x18800001); // end
}

/** One request, one resource, one scope, one span built by `span`. */
function requestWithSpan(span: (w: Writer) => void): Uint8Array {
  return message((w) => {
    w.uint32(10).fork().uint32(18).fork().uint32(18).fork();
    span(w);
    w.ldelim().ldelim().ldelim();
  });
}

describe('decodeProtobufRequest wire handling', () => {
  it('reads fixed64 nanoseconds into ms with whole microseconds', () => {
    const [span] = decodeProtobufRequest(requestWithSpan((w) => validSpanFields(w))).spans;
    // 0x18800000_5f5e1000 ns = 1765411055529234432 ns → 1765411055529234.432 µs → …234 µs
    expect(span.startMs).toBe(1765411055529.234);
    expect(span.endMs).toBe(Number((((0x18800001n << 32n) | 0x5f5e1000n) + 500n) / 1000n) / 1000);
    expect(span.traceId).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(span.spanId).toBe('a0a1a2a3a4a5a6a7');
    expect(span.parentSpanId).toBeNull();
  });

  it('skips unknown fields of every wire type at every level', () => {
    const bytes = message((w) => {
      w.uint32((999 << 3) | 0).uint64(123456789012345); // unknown varint in the request
      w.uint32(10).fork(); // resource_spans
      w.uint32((1000 << 3) | 2).fork().uint32(10).string('legacy instrumentation_library_spans').ldelim();
      w.uint32(10).fork().uint32((7 << 3) | 5).fixed32(99).uint32(10).fork().uint32(10).string('k').uint32(18).fork().uint32(10).string('v').ldelim().ldelim().ldelim(); // resource with unknown fixed32
      w.uint32(18).fork(); // scope_spans
      w.uint32(10).fork().uint32(10).string('scope').uint32((3 << 3) | 2).fork().ldelim().ldelim(); // scope with attributes (ignored)
      w.uint32(18).fork(); // span
      validSpanFields(w);
      w.uint32((3 << 3) | 2).string('w3c-tracestate=1'); // trace_state
      w.uint32((16 << 3) | 5).fixed32(0x301); // flags
      w.uint32((13 << 3) | 2).fork().uint32(10).bytes(TRACE_ID).ldelim(); // a link
      w.uint32((77 << 3) | 3).uint32((1 << 3) | 0).uint32(5).uint32((77 << 3) | 4); // unknown group
      w.uint32((200 << 3) | 1).fixed64(1); // unknown fixed64
      w.ldelim().ldelim().ldelim();
    });
    const result = decodeProtobufRequest(bytes);
    expect(result.rejected).toBe(0);
    expect(result.spans).toHaveLength(1);
    expect(result.spans[0].resource).toEqual({ k: 'v' });
    expect(result.spans[0].scope).toBe('scope');
    expect(result.spans[0].name).toBe('span');
  });

  it('treats a known field with the wrong wire type as unknown', () => {
    const result = decodeProtobufRequest(
      requestWithSpan((w) => {
        validSpanFields(w);
        w.uint32(5 << 3).uint32(7); // name as a varint
        w.uint32((6 << 3) | 2).string('x'); // kind as bytes
      }),
    );
    expect(result.spans[0]).toMatchObject({ name: 'span', kind: 0 });
  });

  it('handles resource and scope arriving after the spans', () => {
    const bytes = message((w) => {
      w.uint32(10).fork();
      w.uint32(18).fork();
      w.uint32(18).fork();
      validSpanFields(w);
      w.ldelim();
      w.uint32(10).fork().uint32(10).string('late-scope').ldelim();
      w.ldelim();
      w.uint32(10).fork().uint32(10).fork().uint32(10).string('service.name').uint32(18).fork().uint32(10).string('late').ldelim().ldelim().ldelim();
      w.ldelim();
    });
    const [span] = decodeProtobufRequest(bytes).spans;
    expect(span.scope).toBe('late-scope');
    expect(span.resource).toEqual({ 'service.name': 'late' });
    expect(Object.isFrozen(span.resource)).toBe(true);
  });

  it('decodes every AnyValue type', () => {
    const attribute = (key: string, value: (w: Writer) => void) => (w: Writer) => {
      w.uint32(74).fork().uint32(10).string(key).uint32(18).fork();
      value(w);
      w.ldelim().ldelim();
    };
    const attributes = [
      attribute('str', (w) => w.uint32(10).string('héllo ✓')),
      attribute('yes', (w) => w.uint32(16).bool(true)),
      attribute('int', (w) => w.uint32(24).int64(-7)),
      attribute('max', (w) => w.uint32(24).int64('9223372036854775807')),
      attribute('min', (w) => w.uint32(24).int64('-9223372036854775808')),
      attribute('safe', (w) => w.uint32(24).int64(Number.MAX_SAFE_INTEGER)),
      attribute('unsafe', (w) => w.uint32(24).int64('9007199254740992')),
      attribute('minSafe', (w) => w.uint32(24).int64(-Number.MAX_SAFE_INTEGER)),
      attribute('dbl', (w) => w.uint32(33).double(-1.5e-7)),
      attribute('arr', (w) => w.uint32(42).fork().uint32(10).fork().uint32(10).string('a').ldelim().uint32(10).fork().uint32(24).int64(2).ldelim().uint32(10).fork().ldelim().ldelim()),
      attribute('kv', (w) => w.uint32(50).fork().uint32(10).fork().uint32(10).string('inner').uint32(18).fork().uint32(16).bool(false).ldelim().ldelim().ldelim()),
      attribute('bytes', (w) => w.uint32(58).bytes(Uint8Array.of(0, 1, 2, 250, 255))),
      attribute('empty', () => {}),
      attribute('__proto__', (w) => w.uint32(10).string('not a prototype')),
    ];
    const [span] = decodeProtobufRequest(
      requestWithSpan((w) => {
        validSpanFields(w);
        for (const write of attributes) write(w);
      }),
    ).spans;
    expect(span.attributes).toEqual({
      str: 'héllo ✓',
      yes: true,
      int: -7,
      max: '9223372036854775807',
      min: '-9223372036854775808',
      safe: Number.MAX_SAFE_INTEGER,
      unsafe: '9007199254740992',
      minSafe: -Number.MAX_SAFE_INTEGER,
      dbl: -1.5e-7,
      arr: ['a', 2, null],
      kv: { inner: false },
      bytes: Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
      empty: null,
      ['__proto__']: 'not a prototype',
    });
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
    expect(Object.keys(span.attributes)).toContain('__proto__');
  });

  it('returns the same string for repeated short keys and values, and decodes non-ASCII ones exactly', () => {
    const keys = ['k', 'ké', 'k\u{1F600}', 'kk', 'k'.repeat(64), 'k'.repeat(65)];
    const bytes = message((w) => {
      w.uint32(10).fork().uint32(18).fork();
      for (let i = 0; i < 3; i++) {
        w.uint32(18).fork();
        validSpanFields(w);
        for (const key of keys) w.uint32(74).fork().uint32(10).string(key).uint32(18).fork().uint32(10).string(`${key}!`).ldelim().ldelim();
        w.ldelim();
      }
      w.ldelim().ldelim();
    });
    const result = decodeProtobufRequest(bytes);
    for (const span of result.spans) {
      expect(Object.keys(span.attributes)).toEqual(keys);
      expect(Object.values(span.attributes)).toEqual(keys.map((k) => `${k}!`));
    }
  });

  it('keeps a batch whose strings collide in the string cache correct', () => {
    // Same length, first, middle and last byte: the cheap cache hash cannot tell them apart.
    const names = ['aXcYa', 'aZcWa', 'aXcYa', 'a\u00e9a'];
    const spans = names.map((name, i) => flatSpan({ spanId: `00000000000000${i + 1}`.padStart(16, '0'), name }));
    expect(decodeProtobufRequest(encodeProtobufRequest(spans)).spans.map((s) => s.name)).toEqual(names);
  });

  it('keeps strings apart that agree on every byte the cache hash samples', () => {
    // Length 9: the hash reads bytes 0, 2, 4, 6 and 8, so these land in one cache slot.
    const names = ['aXbXcXdXe', 'aYbYcYdYe', 'aXbXcXdXe', 'a\u00e9b\u00e9cXe', 'aYbYcYdYe'];
    const spans = names.map((name, i) => flatSpan({ spanId: `${i + 1}`.padStart(16, '0'), name }));
    expect(decodeProtobufRequest(encodeProtobufRequest(spans)).spans.map((s) => s.name)).toEqual(names);
  });

  it('decodes any bytes in a string field exactly as the UTF-8 decoder does, repeated or not', () => {
    // A small alphabet of ASCII, multi-byte sequences, and stray or truncated UTF-8 bytes, so that the cache sees many near-collisions.
    const piece = fc.constantFrom([0x61], [0x62], [0x2e], [0xc3, 0xa9], [0xe9], [0x80], [0xff], [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9f], [0xed, 0xa0, 0x80], [0x00]);
    const field = fc.array(piece, { maxLength: 40 }).map((parts) => Uint8Array.from(parts.flat()));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 12 }), (fields) => {
        const request = message((w) => {
          w.uint32(10).fork().uint32(18).fork();
          for (const bytes of [...fields, ...fields]) {
            w.uint32(18).fork();
            validSpanFields(w);
            w.uint32(42).bytes(bytes); // name
            w.uint32(74).fork().uint32(10).bytes(bytes).uint32(18).fork().uint32(10).bytes(bytes).ldelim().ldelim(); // key and value
            w.ldelim();
          }
          w.ldelim().ldelim();
        });
        const expected = [...fields, ...fields].map((bytes) => Buffer.from(bytes).toString('utf8'));
        const spans = decodeProtobufRequest(request).spans;
        expect(spans.map((s) => s.name)).toEqual(expected);
        expect(spans.map((s) => Object.entries(s.attributes)[0])).toEqual(expected.map((text) => [text, text]));
      }),
      { numRuns: 500 },
    );
  });

  it('turns an invalid UTF-8 byte into U+FFFD and does not confuse it with a Latin-1 string', () => {
    const raw = (bytes: number[]) => (w: Writer) => w.uint32(42).bytes(Uint8Array.from(bytes));
    const names = [raw([0xe9]), raw([0xc3, 0xa9]), raw([0xe9])];
    const decoded = names.map((write) =>
      decodeProtobufRequest(requestWithSpan((w) => { validSpanFields(w); write(w); })).spans[0].name,
    );
    expect(decoded).toEqual(['\uFFFD', 'é', '\uFFFD']);
  });

  it('maps kind and status code values outside the OTLP enums to 0, and status fields', () => {
    const [span] = decodeProtobufRequest(
      requestWithSpan((w) => {
        validSpanFields(w);
        w.uint32(48).uint32(9);
        w.uint32(122).fork().uint32(24).uint32(7).uint32(18).string('boom').ldelim();
      }),
    ).spans;
    expect(span).toMatchObject({ kind: 0, statusCode: 0, statusMessage: 'boom' });
  });

  it('treats an all-zero parent span id as a root span', () => {
    const [span] = decodeProtobufRequest(requestWithSpan((w) => validSpanFields(w).uint32(34).bytes(new Uint8Array(8)))).spans;
    expect(span.parentSpanId).toBeNull();
  });

  it('decodes an empty request and an empty ResourceSpans as no spans', () => {
    expect(decodeProtobufRequest(new Uint8Array(0))).toEqual({ spans: [], rejected: 0, rejectReasons: [], tooDeep: 0 });
    expect(decodeProtobufRequest(Uint8Array.of(10, 0))).toEqual({ spans: [], rejected: 0, rejectReasons: [], tooDeep: 0 });
  });
});

describe('decodeProtobufRequest on damaged input', () => {
  const valid = serialize(sagaTraceSpans());

  it.each([
    ['a truncated buffer', valid.subarray(0, valid.length - 7)],
    ['a length prefix past the end', Uint8Array.of(10, 0x80, 0x80, 0x04, 1, 2)],
    ['field number 0', Uint8Array.of(0x00, 1)],
    ['an invalid wire type', Uint8Array.of((5 << 3) | 7, 1)],
    ['a stray end-group tag', Uint8Array.of((5 << 3) | 4)],
    ['an unterminated varint', Uint8Array.of(8, 0xff, 0xff, 0xff)],
    ['a varint longer than 10 bytes', requestWithSpan((w) => validSpanFields(w).uint32(74).fork().uint32(18).fork().uint32(24).raw(Uint8Array.of(...new Array(11).fill(0xff), 1)).ldelim().ldelim())],
    // ResourceSpans says 2 bytes, but its resource field claims 3 more
    ['a nested field overrunning its message', Uint8Array.of(10, 2, 10, 3, 18, 1, 65)],
    ['a fixed64 cut short', requestWithSpan((w) => w.uint32(57).fixed32(1))],
    ['text', new TextEncoder().encode('{"resourceSpans": []}')],
  ])('throws DecodeError for %s', (_, bytes) => {
    expect(() => decodeProtobufRequest(bytes)).toThrow(DecodeError);
  });

  /** An AnyValue of `depth` nested arrays, written under `tag` as attribute "deep". */
  const deepAttribute = (w: Writer, tag: number, depth: number) => {
    w.uint32(tag).fork().uint32(10).string('deep').uint32(18).fork();
    for (let i = 0; i < depth; i++) w.uint32(42).fork().uint32(10).fork();
    for (let i = 0; i < depth; i++) w.ldelim().ldelim();
    w.ldelim().ldelim();
  };

  it('rejects a span whose attribute values nest too deeply, without overflowing the stack, and keeps the rest', () => {
    const bytes = message((w) => {
      w.uint32(10).fork().uint32(18).fork();
      w.uint32(18).fork();
      deepAttribute(validSpanFields(w), 74, 10_000);
      w.ldelim();
      w.uint32(18).fork();
      validSpanFields(w).uint32(42).string('kept');
      w.ldelim();
      w.ldelim().ldelim();
    });
    const result = decodeProtobufRequest(bytes);
    expect(result.rejectReasons).toEqual(['span 0: attribute value nested deeper than 32']);
    expect(result.spans.map((s) => s.name)).toEqual(['kept']);
  });

  it('accepts attribute values nested up to the limit', () => {
    const [span] = decodeProtobufRequest(requestWithSpan((w) => deepAttribute(validSpanFields(w), 74, 32))).spans;
    expect(JSON.stringify(span.attributes.deep)).toBe('['.repeat(32) + 'null' + ']'.repeat(32));
    expect(decodeProtobufRequest(requestWithSpan((w) => deepAttribute(validSpanFields(w), 74, 33))).rejected).toBe(1);
  });

  it('refuses the request when resource attributes nest too deeply', () => {
    const bytes = message((w) => {
      w.uint32(10).fork().uint32(10).fork();
      deepAttribute(w, 10, 100);
      w.ldelim().ldelim();
    });
    expect(() => decodeProtobufRequest(bytes)).toThrow(DecodeError);
  });

  it('turns deeply nested unknown groups into a DecodeError', () => {
    const bytes = new Uint8Array(20_000).fill((9 << 3) | 3); // start-group tags all the way down
    expect(() => decodeProtobufRequest(bytes)).toThrow(DecodeError);
  });

  it('only ever returns a result or throws DecodeError for 2,000 random truncations and byte flips', () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const outcomes = { decoded: 0, decodeError: 0 };
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      let bytes = Uint8Array.from(valid);
      if (i % 2 === 0) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      let result: DecodedRequest | undefined;
      try {
        result = decodeProtobufRequest(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        outcomes.decodeError++;
        continue;
      }
      outcomes.decoded++;
      expect(result.spans.length + result.rejected).toBeLessThanOrEqual(2 * valid.length);
      for (const span of result.spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
      }
    }
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.decodeError).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
