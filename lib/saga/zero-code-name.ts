/**
 * The name of a saga that has no `saga.name` (DESIGN.md §2; a zero-code DTM
 * saga never has one, since DTM emits no spans and its branches know nothing of
 * a name).
 *
 * 1. `saga.name` when any span has it (most common value; lib/saga/facts.ts).
 * 2. Else the first rule of SAGASCOPE_SAGA_NAME_RULES that matches: `gid`, a
 *    regular expression tested against the saga id; `routePrefix`, a prefix of
 *    the saga's route (below); a rule with both needs both.
 * 3. Else, for a zero-code saga, its route: the URL path (or gRPC method) of its
 *    first forward branch, i.e. the lowest branch id with an action / try /
 *    prepare (a message's check-back, branch 00, is not a step of the
 *    business flow), with id-like path segments (numbers, UUIDs, long hex)
 *    replaced by `:id` so that one flow keeps one name. The first branch is the
 *    one every run of a flow starts with, however far the run gets, so the name
 *    does not change as more branches report. Failing that (only
 *    compensations seen so far) the first branch's route of any op; failing
 *    that `dtm <protocol>`.
 * 4. Else (an instrumented saga without `saga.name`): none.
 */
import type { Protocol, SagaNameRule } from './types';
import type { StepGroup } from './steps';

export function sagaName(
  id: string,
  explicit: string | null,
  groups: readonly StepGroup[],
  zeroCode: boolean,
  protocol: Protocol,
  rules: readonly SagaNameRule[] = [],
): string | null {
  if (explicit !== null) return explicit;
  const route = zeroCode ? firstBranchRoute(groups) : null;
  for (const rule of rules) {
    if (rule.gid !== null && !rule.gid.test(id)) continue;
    if (rule.routePrefix !== null && (route === null || !route.startsWith(rule.routePrefix))) continue;
    return rule.name;
  }
  if (!zeroCode) return null;
  return route ?? `dtm ${protocol}`;
}

/** The route of the first forward branch (groups come sorted by index, then key). */
export function firstBranchRoute(groups: readonly StepGroup[]): string | null {
  let fallback: string | null = null;
  for (const g of groups) {
    if (g.firstPhase !== null && g.firstPhase.op !== 'msg') return normaliseRoute(g.name);
    fallback ??= g.name;
  }
  return fallback === null ? null : normaliseRoute(fallback);
}

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** Id-like segments become `:id`; a trailing slash goes. */
export function normaliseRoute(path: string): string {
  const segments = path.split('/').map((seg) => (ID_SEGMENT.test(seg) ? ':id' : seg));
  const out = segments.join('/');
  return out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
}

/** One rule as written in SAGASCOPE_SAGA_NAME_RULES (validated by lib/config/saga-name-rules.ts). */
export interface SagaNameRuleInput {
  name: string;
  gid?: string;
  route?: string;
}

/** Compiles a rule; throws a SyntaxError on a bad regular expression. */
export function compileNameRule(input: SagaNameRuleInput): SagaNameRule {
  return { name: input.name, gid: input.gid === undefined ? null : new RegExp(input.gid), routePrefix: input.route ?? null };
}
