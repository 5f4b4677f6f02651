import { describe, expect, it } from 'vitest';
import { LIVE_POLL_MS, agoLabel, liveLabel, liveMode, nextPollDelayMs } from './live-poll';

describe('liveMode', () => {
  it('a terminal saga has ended, whatever else holds', () => {
    expect(liveMode({ terminal: true, paused: false, hidden: false })).toBe('ended');
    expect(liveMode({ terminal: true, paused: true, hidden: true })).toBe('ended');
  });
  it('a running saga polls only when neither paused nor hidden', () => {
    expect(liveMode({ terminal: false, paused: false, hidden: false })).toBe('live');
    expect(liveMode({ terminal: false, paused: true, hidden: false })).toBe('paused');
    expect(liveMode({ terminal: false, paused: true, hidden: true })).toBe('paused');
    expect(liveMode({ terminal: false, paused: false, hidden: true })).toBe('hidden');
  });
});

describe('nextPollDelayMs', () => {
  it('polls every LIVE_POLL_MS while the server answers', () => {
    expect(nextPollDelayMs(0)).toBe(LIVE_POLL_MS);
    expect(LIVE_POLL_MS).toBe(2_000);
  });
  it('doubles per consecutive failure, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 100, 10_000].map(nextPollDelayMs)).toEqual([4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000]);
  });
});

describe('agoLabel / liveLabel', () => {
  const t = 1_700_000_000_000;
  it('says how long ago, coarsely', () => {
    expect(agoLabel(t, t + 400)).toBe('just now');
    expect(agoLabel(t, t + 3_200)).toBe('3 s ago');
    expect(agoLabel(t, t + 59_999)).toBe('59 s ago');
    expect(agoLabel(t, t + 125_000)).toBe('2 min ago');
    expect(agoLabel(t, t + 2 * 3_600_000 + 5)).toBe('2 h ago');
    // A clock that stepped back is not "-3 s ago".
    expect(agoLabel(t, t - 3_000)).toBe('just now');
  });
  it('names the mode and, while live, when the page was last confirmed current', () => {
    expect(liveLabel('live', t, t + 3_000, false)).toBe('Live · updated 3 s ago');
    expect(liveLabel('live', t, t + 9_000, true)).toBe('Live · cannot reach the server, updated 9 s ago');
    expect(liveLabel('paused', t, t + 9_000, false)).toBe('Paused');
    expect(liveLabel('hidden', t, t, false)).toBe('Live · waiting for this tab');
    expect(liveLabel('ended', t, t, false)).toBe('Ended · live updates stopped');
  });
});
