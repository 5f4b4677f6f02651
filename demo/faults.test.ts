import { describe, it, expect } from 'vitest';
import { NO_FAULTS, formatFaults, parseFaults } from './faults';

describe('fault header', () => {
  it('round-trips', () => {
    const faults = { decline: true, unavailable: false, error: true, delayMs: 250, slowResponseMs: 3000, noBarrier: true };
    expect(parseFaults(formatFaults(faults) ?? undefined)).toEqual(faults);
  });

  it('is absent when there is nothing to inject', () => {
    expect(formatFaults({})).toBeNull();
    expect(formatFaults({ delayMs: 0 })).toBeNull();
    expect(parseFaults(undefined)).toEqual(NO_FAULTS);
  });

  it('ignores unknown tokens and clamps delays', () => {
    expect(parseFaults('teleport, decline ,delay=-5,slow-response=999999999')).toEqual({
      ...NO_FAULTS,
      decline: true,
      delayMs: 0,
      slowResponseMs: 60_000,
    });
    expect(parseFaults(['unavailable', 'delay=abc'])).toEqual({ ...NO_FAULTS, unavailable: true });
  });
});
