/**
 * Sign-in counters of this process, for /metrics and for tests that must see
 * how many passwords were actually checked (the throttle's promise is about
 * password work, which timing alone cannot show).
 */
export const loginCounters = {
  /** Sign-in attempts received (before the throttle). */
  attempts: 0,
  /** Attempts refused by the throttle (429), without a password check. */
  throttled: 0,
  /** Password verifications run (scrypt), whatever their outcome. */
  passwordChecks: 0,
};

export function renderLoginMetrics(): string[] {
  return [
    '# HELP sagascope_login_attempts_total Sign-in attempts received by this process.',
    '# TYPE sagascope_login_attempts_total counter',
    `sagascope_login_attempts_total ${loginCounters.attempts}`,
    '# HELP sagascope_login_throttled_total Sign-in attempts refused by the login throttle (429) before any password check.',
    '# TYPE sagascope_login_throttled_total counter',
    `sagascope_login_throttled_total ${loginCounters.throttled}`,
    '# HELP sagascope_login_password_checks_total Passwords checked (scrypt) by sign-in attempts.',
    '# TYPE sagascope_login_password_checks_total counter',
    `sagascope_login_password_checks_total ${loginCounters.passwordChecks}`,
  ];
}
