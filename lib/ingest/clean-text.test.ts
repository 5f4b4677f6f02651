import { describe, it, expect } from 'vitest';
import { cleanText, toJsonText } from './clean-text';

describe('cleanText', () => {
  it('keeps ordinary strings as the same value', () => {
    expect(cleanText('checkout ✓')).toBe('checkout ✓');
  });
  it('replaces NUL and lone surrogates', () => {
    expect(cleanText('a\u0000b')).toBe('a\uFFFDb');
    expect(cleanText('x\uD800y')).toBe('x\uFFFDy');
  });
});

describe('toJsonText', () => {
  it('produces JSON that Postgres jsonb accepts for NUL and lone surrogates', () => {
    expect(JSON.parse(toJsonText({ k: 'a\u0000b' }))).toEqual({ k: 'a\uFFFDb' });
    expect(JSON.parse(toJsonText({ k: '\uDC00' }))).toEqual({ k: '\uFFFD' });
    expect(toJsonText({ k: 'a\u0000' })).not.toContain('\\u0000');
  });
  it('leaves escaped backslashes followed by u0000 text alone', () => {
    const v = { k: '\\u0000 literally' };
    expect(JSON.parse(toJsonText(v))).toEqual(v);
  });
  it('keeps valid surrogate pairs', () => {
    expect(JSON.parse(toJsonText({ k: '😀' }))).toEqual({ k: '😀' });
  });
});
