import { describe, expect, it } from 'vitest';
import { attributeValueToText, formatDuration, formatRelative } from './format';

describe('formatDuration', () => {
  it.each([
    [null, '—'],
    [0, '0 ms'],
    [0.25, '0.25 ms'],
    [4.56, '4.6 ms'],
    [850.4, '850 ms'],
    [1240, '1.24 s'],
    [12_345, '12.3 s'],
    [125_000, '2m 05s'],
    [3 * 3_600_000 + 12 * 60_000, '3h 12m'],
    [2 * 86_400_000 + 4 * 3_600_000, '2d 4h'],
    [-1500, '-1.50 s'],
  ])('%s → %s', (ms, text) => {
    expect(formatDuration(ms as number | null)).toBe(text);
  });
});

describe('formatRelative', () => {
  const now = 1_000_000_000;
  it('describes past and future offsets', () => {
    expect(formatRelative(now - 300, now)).toBe('just now');
    expect(formatRelative(now - 12_000, now)).toBe('12 s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(formatRelative(now - 2 * 86_400_000, now)).toBe('2 d ago');
    expect(formatRelative(now + 4_000, now)).toBe('in 4 s');
  });
});

describe('attributeValueToText', () => {
  it('renders any JSON value as text, never markup', () => {
    expect(attributeValueToText('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
    expect(attributeValueToText(42)).toBe('42');
    expect(attributeValueToText(false)).toBe('false');
    expect(attributeValueToText(null)).toBe('null');
    expect(attributeValueToText(['a', 1])).toBe('["a",1]');
    expect(attributeValueToText({ k: 'v' })).toBe('{"k":"v"}');
  });
});
