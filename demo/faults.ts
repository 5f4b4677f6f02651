/**
 * Faults the orchestrator asks a participant to act out for one call, sent in
 * the `x-demo-fault` header (like Envoy's fault-injection headers). The
 * orchestrator plans every fault of a saga in one place (orchestrator/plan.ts);
 * participants stay dumb and only obey, so a forced scenario is reproducible.
 *
 * Vocabulary (comma-separated):
 *   decline            the action fails for a business reason: HTTP 409
 *   unavailable        the call fails transiently: HTTP 503, nothing changes
 *   error              the business change throws (used on compensations): HTTP 500
 *   delay=MS           processing time before the barrier's transaction
 *   slow-response=MS   the change commits, then the answer takes this long
 *   no-barrier         BUG: run the business change without the barrier (not idempotent)
 *   fail-first=N       the first N attempts of this (gid, branch, op) fail transiently (HTTP 503);
 *                      for coordinators that retry on their own schedule (DTM), which cannot be
 *                      told per attempt what to do
 *
 * DTM sends the same headers on every call of a transaction (its branch_headers
 * option), so for DTM-run flows the plan travels in one header naming its
 * target, `x-demo-dtm-fault: 03/action=decline;01/compensate=fail-first=2`
 * (see dtmFaultsFor).
 */
export const FAULT_HEADER = 'x-demo-fault';
export const DTM_FAULT_HEADER = 'x-demo-dtm-fault';

export interface Faults {
  decline: boolean;
  unavailable: boolean;
  error: boolean;
  delayMs: number;
  slowResponseMs: number;
  noBarrier: boolean;
  failFirst: number;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  decline: false,
  unavailable: false,
  error: false,
  delayMs: 0,
  slowResponseMs: 0,
  noBarrier: false,
  failFirst: 0,
});

const MAX_DELAY_MS = 60_000;

/** Unknown tokens are ignored: an old participant must not fail on a newer orchestrator's header. */
export function parseFaults(header: string | string[] | undefined): Faults {
  const out: Faults = { ...NO_FAULTS };
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const [name, value] = token.split('=', 2) as [string, string | undefined];
    const millis = () => Math.min(MAX_DELAY_MS, Math.max(0, Number.parseInt(value ?? '', 10) || 0));
    switch (name) {
      case 'decline': out.decline = true; break;
      case 'unavailable': out.unavailable = true; break;
      case 'error': out.error = true; break;
      case 'no-barrier': out.noBarrier = true; break;
      case 'delay': out.delayMs = millis(); break;
      case 'slow-response': out.slowResponseMs = millis(); break;
      case 'fail-first': out.failFirst = Math.min(20, Math.max(0, Number.parseInt(value ?? '', 10) || 0)); break;
      default: break;
    }
  }
  return out;
}

/** The header value for `faults`, or null when there is nothing to inject. */
export function formatFaults(faults: Partial<Faults>): string | null {
  const parts: string[] = [];
  if (faults.decline) parts.push('decline');
  if (faults.unavailable) parts.push('unavailable');
  if (faults.error) parts.push('error');
  if (faults.noBarrier) parts.push('no-barrier');
  if (faults.delayMs) parts.push(`delay=${Math.round(faults.delayMs)}`);
  if (faults.slowResponseMs) parts.push(`slow-response=${Math.round(faults.slowResponseMs)}`);
  if (faults.failFirst) parts.push(`fail-first=${Math.round(faults.failFirst)}`);
  return parts.length > 0 ? parts.join(',') : null;
}

/** The x-demo-dtm-fault value for faults per `branch/op`, or null when there are none. */
export function formatDtmFaults(byTarget: Readonly<Record<string, Partial<Faults>>>): string | null {
  const parts: string[] = [];
  for (const [target, faults] of Object.entries(byTarget)) {
    const text = formatFaults(faults);
    if (text !== null) parts.push(`${target}=${text}`);
  }
  return parts.length > 0 ? parts.join(';') : null;
}

/** The faults of one branch call out of an x-demo-dtm-fault header. */
export function dtmFaultsFor(header: string | string[] | undefined, branchId: string, op: string): Faults {
  const text = Array.isArray(header) ? header.join(';') : (header ?? '');
  for (const entry of text.split(';')) {
    const eq = entry.indexOf('=');
    if (eq < 0) continue;
    if (entry.slice(0, eq).trim() === `${branchId}/${op}`) return parseFaults(entry.slice(eq + 1));
  }
  return { ...NO_FAULTS };
}
