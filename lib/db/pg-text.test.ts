import { describe, it, expect } from 'vitest';
import { copyField, arrayLiteral, nestedTextElement, numberArrayLiteral, parseArrayLiteral, textElement, timestampText } from './pg-text';

describe('copyField', () => {
  it.each([
    [null, '\\N'],
    [12.5, '12.5'],
    [true, 'true'],
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['line\nbreak\r', 'line\\nbreak\\r'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
  ])('%j → %j', (input, out) => expect(copyField(input as never)).toBe(out));
});

describe('arrayLiteral', () => {
  it('quotes every element and escapes quotes and backslashes', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a', 'b c', 'q"x', 'b\\s', 'NULL', '{,}'])).toBe('{"a","b c","q\\"x","b\\\\s","NULL","{,}"}');
  });
  it('writes null elements as NULL, unquoted', () => {
    expect(arrayLiteral([null, 'x', null])).toBe('{NULL,"x",NULL}');
  });
});

describe('textElement', () => {
  it('escapes every quote and backslash once, mixed and repeated', () => {
    for (const v of ['', 'plain', '"', '\\', '\\"', '"\\', 'a\\"b\\\\"c""', '{"n":"x","s":["a\\\\b"]}']) {
      expect(textElement(v)).toBe('"' + v.replace(/["\\]/g, '\\$&') + '"');
    }
  });
});

describe('nestedTextElement', () => {
  it('is the array literal quoted as one element of an outer literal', () => {
    const cases: (string | null)[][] = [[], ['a'], ['a', 'b c', '{,}', 'NULL'], ['q"x'], ['b\\s', 'ok'], ['ok', null], ['']];
    for (const values of cases) expect(nestedTextElement(values)).toBe(textElement(arrayLiteral(values)));
    expect(nestedTextElement(['a', 'b'])).toBe('"{\\"a\\",\\"b\\"}"');
  });
});

describe('numberArrayLiteral', () => {
  it('writes numbers as themselves, booleans as t/f and null as NULL', () => {
    expect(numberArrayLiteral([])).toBe('{}');
    expect(numberArrayLiteral([1, -2.5, 1e21, null, true, false])).toBe('{1,-2.5,1e+21,NULL,t,f}');
  });
});

describe('timestampText', () => {
  it.each([
    [Date.UTC(2026, 10, 21, 20, 13, 5, 123) + 0.456, '2026-11-21T20:13:05.123456Z'],
    [Date.UTC(2026, 10, 21, 20, 13, 5, 999) + 0.9996, '2026-11-21T20:13:06.000000Z'],
    [Date.UTC(1970, 0, 1), '1970-01-01T00:00:00.000000Z'],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 1) + 0.0002, '2026-01-01T00:00:00.001000Z'],
  ])('%f → %s', (ms, text) => expect(timestampText(ms)).toBe(text));

  it('agrees with Date at millisecond precision for random instants', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(Date.UTC(2000, 0, 1) + Math.random() * 1e12);
      expect(timestampText(ms)).toBe(new Date(ms).toISOString().replace('Z', '000Z'));
    }
  });
});

describe('parseArrayLiteral', () => {
  it('reads back what arrayLiteral writes, quotes and backslashes included', () => {
    const values = ['a', '', 'q"uote', 'back\\slash', '{,}', 'é 𝄞', '\t\n'];
    expect(parseArrayLiteral(arrayLiteral(values))).toEqual(values);
    expect(parseArrayLiteral('{}')).toEqual([]);
  });

  it('is null for text it did not write', () => {
    for (const bad of ['', 'x', '{a}', '{"a"', '{"a",}', '{"a""b"}', '{"a\\"}']) expect(parseArrayLiteral(bad), bad).toBeNull();
  });
});
