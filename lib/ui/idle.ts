/**
 * Runs `f` when the browser's main thread is idle, or after `timeoutMs` at the
 * latest; returns a cancel function. For work a page does not need before it
 * takes input (a large saga's compensation chain, the step graph). Browsers
 * without requestIdleCallback (Safari) get a short timer.
 */
export function whenIdle(f: () => void, timeoutMs: number): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const id = window.requestIdleCallback(() => f(), { timeout: timeoutMs });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(f, 50);
  return () => window.clearTimeout(id);
}

/** What counts as the user starting to use the page. */
const INPUT_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Like whenIdle, but not before the page has settled: the user's first input
 * (a click, a key, a wheel turn) or `settleMs` after this call, whichever comes
 * first. For secondary work that costs tens to hundreds of milliseconds of main
 * thread (a 200-node ReactFlow mount, a 25,000-pair chain): right after
 * hydration it landed just where a first visit's first click did, and delayed
 * it. Started on the input itself, it runs after that input is handled.
 */
export function whenSettled(f: () => void, settleMs: number, idleTimeoutMs = 2_000): () => void {
  let cancelIdle: (() => void) | null = null;
  const start = () => {
    if (cancelIdle) return;
    stop();
    cancelIdle = whenIdle(f, idleTimeoutMs);
  };
  const timer = window.setTimeout(start, settleMs);
  for (const type of INPUT_EVENTS) window.addEventListener(type, start, { capture: true, passive: true });
  function stop() {
    window.clearTimeout(timer);
    for (const type of INPUT_EVENTS) window.removeEventListener(type, start, { capture: true });
  }
  return () => {
    stop();
    cancelIdle?.();
  };
}
