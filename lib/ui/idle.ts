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
