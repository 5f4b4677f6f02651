import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { whenSettled } from './idle';

/** A stand-in window: events, timers, and requestIdleCallback run on the next tick of the fake clock. */
function fakeWindow() {
  const target = new EventTarget();
  return Object.assign(target, {
    setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
    clearTimeout: (id: ReturnType<typeof setTimeout>) => clearTimeout(id),
    requestIdleCallback: (f: () => void) => setTimeout(f, 1),
    cancelIdleCallback: (id: ReturnType<typeof setTimeout>) => clearTimeout(id),
  });
}

describe('whenSettled', () => {
  let win: ReturnType<typeof fakeWindow>;
  beforeEach(() => {
    vi.useFakeTimers();
    win = fakeWindow();
    vi.stubGlobal('window', win);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('waits for the settle time, then an idle period', () => {
    const f = vi.fn();
    whenSettled(f, 1_000);
    vi.advanceTimersByTime(999);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(f).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(f).toHaveBeenCalledTimes(1);
  });

  it('starts on the first input instead, once', () => {
    const f = vi.fn();
    whenSettled(f, 1_000);
    win.dispatchEvent(new Event('pointerdown'));
    win.dispatchEvent(new Event('keydown'));
    expect(f).not.toHaveBeenCalled(); // the input is handled first
    vi.advanceTimersByTime(1);
    expect(f).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    win.dispatchEvent(new Event('wheel'));
    vi.advanceTimersByTime(5);
    expect(f).toHaveBeenCalledTimes(1);
  });

  it('does nothing once cancelled, before or after it started', () => {
    const f = vi.fn();
    whenSettled(f, 1_000)();
    win.dispatchEvent(new Event('pointerdown'));
    vi.advanceTimersByTime(5_000);
    const cancel = whenSettled(f, 1_000);
    win.dispatchEvent(new Event('pointerdown'));
    cancel();
    vi.advanceTimersByTime(5_000);
    expect(f).not.toHaveBeenCalled();
  });
});
