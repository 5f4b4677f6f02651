import { describe, it, expect } from 'vitest';
import { copyField, arrayLiteral } from './pg-text';

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
});
