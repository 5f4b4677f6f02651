/**
 * Business keys on the demo's spans (DESIGN.md §2 `saga.key.<name>`; sagascope's
 * default SAGASCOPE_KEY_ATTRIBUTES): what a real service would record so that
 * an incident's "order … was charged but never shipped" finds its sagas.
 * Set on the span active while a branch runs: the step span of an instrumented
 * call, the HTTP server span of a zero-code (DTM-style) one.
 */
import { trace } from '@opentelemetry/api';

export function recordBusinessKeys(keys: Record<string, string | number>): void {
  trace.getActiveSpan()?.setAttributes(keys);
}
