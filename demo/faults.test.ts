import { describe, it, expect } from 'vitest';
import { NO_FAULTS, dtmFaultsFor, formatDtmFaults, formatFaults, parseFaults } from './faults';

describe('fault header', () => {
  it('round-trips', () => {
    const faults = { decline: true, unavailable: false, error: true, delayMs: 250, slowResponseMs: 3000, noBarrier: true, failFirst: 2 };
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

describe('DTM fault header (one header for every call of a transaction)', () => {
  it('names its target branch and op, and each call takes only its own faults', () => {
    const header = formatDtmFaults({ '03/action': { decline: true }, '01/compensate': { failFirst: 2, delayMs: 5 }, '02/action': {} });
    expect(header).toBe('03/action=decline;01/compensate=delay=5,fail-first=2');
    expect(dtmFaultsFor(header!, '03', 'action')).toEqual({ ...NO_FAULTS, decline: true });
    expect(dtmFaultsFor(header!, '01', 'compensate')).toEqual({ ...NO_FAULTS, failFirst: 2, delayMs: 5 });
    expect(dtmFaultsFor(header!, '01', 'action')).toEqual(NO_FAULTS);
    expect(dtmFaultsFor(undefined, '01', 'action')).toEqual(NO_FAULTS);
    expect(formatDtmFaults({ '01/action': {} })).toBeNull();
  });
});
