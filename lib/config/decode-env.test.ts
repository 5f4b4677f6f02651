import { describe, it, expect } from 'vitest';
import { parseConfig, ConfigError, defaultIngestWorkers } from './env';
import { availableParallelism } from 'node:os';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';

const base = { SAGASCOPE_DATA_DIR: 'memory://' };

describe('decode budget settings', () => {
  it('defaults: 16 MiB, 10,000 per list, 1,000,000 per request, depth 32 — the decoders\' own defaults', () => {
    const c = parseConfig(base);
    expect(c.SAGASCOPE_MAX_REQUEST_BYTES).toBe(16 * 1024 * 1024);
    expect({
      maxSpansPerRequest: c.SAGASCOPE_MAX_SPANS_PER_REQUEST,
      maxListValues: c.SAGASCOPE_DECODE_MAX_LIST_VALUES,
      maxValues: c.SAGASCOPE_DECODE_MAX_VALUES,
      maxDepth: c.SAGASCOPE_DECODE_MAX_DEPTH,
    }).toEqual(DEFAULT_DECODE_BUDGETS);
  });

  it('accepts explicit values, and 0 workers (decode on the main thread)', () => {
    const c = parseConfig({ ...base, SAGASCOPE_DECODE_MAX_LIST_VALUES: '50', SAGASCOPE_DECODE_MAX_VALUES: '5000', SAGASCOPE_DECODE_MAX_DEPTH: '128', SAGASCOPE_INGEST_WORKERS: '0' });
    expect([c.SAGASCOPE_DECODE_MAX_LIST_VALUES, c.SAGASCOPE_DECODE_MAX_VALUES, c.SAGASCOPE_DECODE_MAX_DEPTH, c.SAGASCOPE_INGEST_WORKERS]).toEqual([50, 5000, 128, 0]);
  });

  it.each([
    ['SAGASCOPE_DECODE_MAX_LIST_VALUES', '0'],
    ['SAGASCOPE_DECODE_MAX_VALUES', 'many'],
    ['SAGASCOPE_DECODE_MAX_DEPTH', '129'], // deeper recursion than the decoders' stack is sized for
    ['SAGASCOPE_DECODE_MAX_DEPTH', '0'],
    ['SAGASCOPE_INGEST_WORKERS', '65'],
    ['SAGASCOPE_INGEST_WORKERS', '-1'],
    ['SAGASCOPE_INGEST_WORKERS', 'two'],
    ['SAGASCOPE_DECODE_WORKERS', '65'],
    ['SAGASCOPE_DECODE_WORKERS', '-1'],
    ['SAGASCOPE_MAX_REQUEST_BYTES', '100'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(name);
  });
});

describe('ingest worker pool size', () => {
  it.each([
    [1, 1], // one core: still one worker (decoding must not hold the UI's thread)
    [2, 1],
    [3, 2],
    [8, 7],
    [200, 64],
  ])('unset, on %i cores: %i workers', (cores, workers) => {
    expect(defaultIngestWorkers(cores)).toBe(workers);
  });

  it('unset or empty: cores − 1 of this machine, at least 1', () => {
    const expected = Math.max(1, availableParallelism() - 1);
    expect(parseConfig(base).SAGASCOPE_INGEST_WORKERS).toBe(expected);
    expect(parseConfig({ ...base, SAGASCOPE_INGEST_WORKERS: '' }).SAGASCOPE_INGEST_WORKERS).toBe(expected);
  });

  it.each([
    [{ SAGASCOPE_INGEST_WORKERS: '3' }, 3],
    [{ SAGASCOPE_INGEST_WORKERS: '0' }, 0],
    [{ SAGASCOPE_DECODE_WORKERS: '5' }, 5], // the deprecated name still works
    [{ SAGASCOPE_DECODE_WORKERS: '0' }, 0],
    [{ SAGASCOPE_INGEST_WORKERS: '2', SAGASCOPE_DECODE_WORKERS: '2' }, 2],
    [{ SAGASCOPE_INGEST_WORKERS: '4', SAGASCOPE_DECODE_WORKERS: '' }, 4],
  ])('%j → %i workers', (env, workers) => {
    expect(parseConfig({ ...base, ...env }).SAGASCOPE_INGEST_WORKERS).toBe(workers);
  });

  it('refuses the two names set to different counts, naming both', () => {
    const env = { ...base, SAGASCOPE_INGEST_WORKERS: '2', SAGASCOPE_DECODE_WORKERS: '1' };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(/SAGASCOPE_DECODE_WORKERS.*SAGASCOPE_INGEST_WORKERS/);
  });
});
