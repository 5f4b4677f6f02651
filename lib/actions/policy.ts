/**
 * The network policy of manual actions, from configuration, and the pre-flight
 * check of a whole plan against it. The pre-flight runs before the first call so
 * that "compensate saga" never undoes two steps and then finds the third one's
 * URL forbidden: a plan is carried out entirely within policy or not at all.
 * safeCall checks again at call time (the address is re-resolved and pinned),
 * so a name re-pointed between the two checks is still refused.
 */
import type { Config } from '../config/env';
import type { ActionPlan } from './plan';
import { parseAllowlist } from './host-allowlist';
import { parseCidr } from './address-policy';
import { CallRefused, checkUrl, resolveChecked, type RefusalReason, type SafeCallPolicy } from './safe-call';

export const ACTIONS_DISABLED =
  'manual actions are switched off: SAGASCOPE_ACTION_ALLOWED_HOSTS lists no host they may call';

export function actionPolicyFrom(
  config: Pick<Config, 'SAGASCOPE_ACTION_ALLOWED_HOSTS' | 'SAGASCOPE_ACTION_BLOCKED_CIDRS' | 'SAGASCOPE_ACTION_TIMEOUT_MS'>,
): SafeCallPolicy {
  return {
    allow: parseAllowlist(config.SAGASCOPE_ACTION_ALLOWED_HOSTS),
    blocked: config.SAGASCOPE_ACTION_BLOCKED_CIDRS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseCidr),
    timeoutMs: config.SAGASCOPE_ACTION_TIMEOUT_MS,
  };
}

export interface PolicyRefusal {
  /** `disabled` when no host is allowed at all. */
  reason: RefusalReason | 'disabled';
  /** The plan call (order) that is refused, when one is. */
  order: number | null;
  message: string;
}

/**
 * Every call of the plan checked against the policy without calling anything:
 * URL shape, host allowlist, and the addresses the host resolves to now.
 * Returns the first refusal, or null when the whole plan may go ahead.
 */
export async function preflight(
  plan: Pick<ActionPlan, 'calls'>,
  policy: SafeCallPolicy,
  resolve: typeof resolveChecked = resolveChecked,
): Promise<PolicyRefusal | null> {
  if (plan.calls.length === 0) return null;
  if (policy.allow.length === 0) return { reason: 'disabled', order: null, message: ACTIONS_DISABLED };
  for (const call of plan.calls) {
    try {
      const url = checkUrl(call.url, policy);
      await resolve(url.hostname, policy.blocked ?? []);
    } catch (err) {
      if (err instanceof CallRefused) {
        return { reason: err.reason, order: call.order, message: `call ${call.order} (${call.step}) refused: ${err.message}` };
      }
      throw err;
    }
  }
  return null;
}

/** The plan as the operator sees it: a policy refusal becomes the plan's refusal; the calls stay listed. */
export function withPolicyRefusal(plan: ActionPlan, refusal: PolicyRefusal | null): ActionPlan {
  if (refusal === null) return plan;
  // A safety rule the plan already broke speaks first, unless only an override would have let it through:
  // then the policy (which nobody overrides) is the reason.
  if (plan.refusal !== null && !plan.overridable) return plan;
  return { ...plan, refusal: refusal.message, rule: 'policy', overridable: false };
}
