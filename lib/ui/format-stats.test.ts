import { describe, expect, it } from 'vitest';
import { formatAxisValue, formatCount, formatRate, formatValue } from './format-stats';

describe('stats figures as text', () => {
  it('rates', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('0 %');
    expect(formatRate(1)).toBe('100 %');
    expect(formatRate(1 / 3)).toBe('33.3 %');
    expect(formatRate(0.0123)).toBe('1.23 %');
  });
  it('counts and values', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
    expect(formatValue(null, 'duration')).toBe('—');
    expect(formatValue(1500, 'duration')).toBe('1.50 s');
    expect(formatValue(0.5, 'percent')).toBe('50.0 %');
    expect(formatAxisValue(0.25, 'percent')).toBe('25%');
    expect(formatAxisValue(2.5, 'count')).toBe('2.5');
  });
});
