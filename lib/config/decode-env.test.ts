import { describe, it, expect } from 'vitest';
import { parseConfig, ConfigError } from './env';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';

const base = { SAGASCOPE_DATA_DIR: 'memory://' };

describe('decode budget settings', () => {
  it('defaults: 16 MiB, 10,000 per list, 1,000,000 per request, depth 32, one worker — the decoders\' own defaults', () => {
    const c = parseConfig(base);
    expect(c.SAGASCOPE_MAX_REQUEST_BYTES).toBe(16 * 1024 * 1024);
    expect({
      maxSpansPerRequest: c.SAGASCOPE_MAX_SPANS_PER_REQUEST,
      maxListValues: c.SAGASCOPE_DECODE_MAX_LIST_VALUES,
      maxValues: c.SAGASCOPE_DECODE_MAX_VALUES,
      maxDepth: c.SAGASCOPE_DECODE_MAX_DEPTH,
    }).toEqual(DEFAULT_DECODE_BUDGETS);
    expect(c.SAGASCOPE_DECODE_WORKERS).toBe(1);
  });

  it('accepts explicit values, and 0 workers (decode on the main thread)', () => {
    const c = parseConfig({ ...base, SAGASCOPE_DECODE_MAX_LIST_VALUES: '50', SAGASCOPE_DECODE_MAX_VALUES: '5000', SAGASCOPE_DECODE_MAX_DEPTH: '128', SAGASCOPE_DECODE_WORKERS: '0' });
    expect([c.SAGASCOPE_DECODE_MAX_LIST_VALUES, c.SAGASCOPE_DECODE_MAX_VALUES, c.SAGASCOPE_DECODE_MAX_DEPTH, c.SAGASCOPE_DECODE_WORKERS]).toEqual([50, 5000, 128, 0]);
  });

  it.each([
    ['SAGASCOPE_DECODE_MAX_LIST_VALUES', '0'],
    ['SAGASCOPE_DECODE_MAX_VALUES', 'many'],
    ['SAGASCOPE_DECODE_MAX_DEPTH', '129'], // deeper recursion than the decoders' stack is sized for
    ['SAGASCOPE_DECODE_MAX_DEPTH', '0'],
    ['SAGASCOPE_DECODE_WORKERS', '17'],
    ['SAGASCOPE_DECODE_WORKERS', '-1'],
    ['SAGASCOPE_MAX_REQUEST_BYTES', '100'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(name);
  });
});
