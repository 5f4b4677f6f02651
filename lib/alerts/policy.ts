/**
 * The network policy of alert webhooks, from configuration. Same SSRF guard as
 * manual actions (lib/actions/safe-call.ts) with its own allowlist: a rule's
 * URL is checked when the rule is saved (a clear 400) and again, with DNS and
 * the pinned address, on every send.
 */
import type { Config } from '../config/env';
import { parseAllowlist } from '../actions/host-allowlist';
import { parseCidr } from '../actions/address-policy';
import { CallRefused, checkUrl, type SafeCallPolicy } from '../actions/safe-call';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';

export const ALERT_ALLOWLIST_VAR = 'SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS';

type AlertConfig = Pick<
  Config,
  | 'SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS'
  | 'SAGASCOPE_ALERT_WEBHOOK_BLOCKED_CIDRS'
  | 'SAGASCOPE_ALERT_WEBHOOK_TIMEOUT_MS'
  | 'SAGASCOPE_ALERT_BACKOFF_BASE_MS'
  | 'SAGASCOPE_ALERT_MAX_ATTEMPTS'
>;

export function webhookPolicyFrom(config: AlertConfig): SafeCallPolicy {
  return {
    allow: parseAllowlist(config.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS),
    blocked: config.SAGASCOPE_ALERT_WEBHOOK_BLOCKED_CIDRS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseCidr),
    timeoutMs: config.SAGASCOPE_ALERT_WEBHOOK_TIMEOUT_MS,
    // Receivers answer with a short acknowledgement; nothing of it is kept beyond an error excerpt.
    maxBodyBytes: 4 * 1024,
    allowlistName: `alert webhook (${ALERT_ALLOWLIST_VAR})`,
  };
}

export function backoffPolicyFrom(config: AlertConfig): BackoffPolicy {
  return { ...DEFAULT_BACKOFF, baseMs: config.SAGASCOPE_ALERT_BACKOFF_BASE_MS, maxAttempts: config.SAGASCOPE_ALERT_MAX_ATTEMPTS };
}

/** Why a webhook URL may not be saved, or null. No DNS here: a name that does not resolve yet is not a reason to refuse. */
export function webhookUrlProblem(url: string, policy: SafeCallPolicy): string | null {
  if (policy.allow.length === 0) return `alert webhooks are switched off: ${ALERT_ALLOWLIST_VAR} lists no host they may call`;
  try {
    checkUrl(url, policy);
    return null;
  } catch (err) {
    if (err instanceof CallRefused) return `webhookUrl: ${err.message}`;
    throw err;
  }
}

/** scheme://host[:port] only: webhook paths often carry a token of the receiver (chat hooks), so logs and the audit trail get just this. */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
