/** The auth-related configuration (lib/config/env.ts), as the guard uses it. */
import type { Config } from '../config/env';
import type { AuthMode } from './authenticate';
import type { ThrottleSettings } from './throttle';
import { parseCidrList, type Cidr } from '../net/ip';

export interface AuthSettings {
  mode: AuthMode;
  readOnlyEnv: boolean;
  sessionTtlMinutes: number;
  publicOrigin: string | null;
  /** SAGASCOPE_TRUSTED_PROXIES: peers whose X-Forwarded-* headers are believed (lib/http/forwarded.ts). */
  trustedProxies: Cidr[];
  loginThrottle: ThrottleSettings;
}

export type AuthConfig = Pick<
  Config,
  | 'SAGASCOPE_AUTH'
  | 'SAGASCOPE_READ_ONLY'
  | 'SAGASCOPE_SESSION_TTL_MINUTES'
  | 'SAGASCOPE_PUBLIC_URL'
  | 'SAGASCOPE_TRUSTED_PROXIES'
  | 'SAGASCOPE_LOGIN_MAX_ATTEMPTS'
  | 'SAGASCOPE_LOGIN_LOCKOUT_SECONDS'
  | 'SAGASCOPE_LOGIN_LOCKOUT_MAX_SECONDS'
  | 'SAGASCOPE_LOGIN_ACCOUNT_MAX_ATTEMPTS'
>;

export function authSettingsFrom(config: AuthConfig): AuthSettings {
  return {
    mode: config.SAGASCOPE_AUTH,
    readOnlyEnv: config.SAGASCOPE_READ_ONLY,
    sessionTtlMinutes: config.SAGASCOPE_SESSION_TTL_MINUTES,
    publicOrigin: config.SAGASCOPE_PUBLIC_URL ? new URL(config.SAGASCOPE_PUBLIC_URL).origin : null,
    trustedProxies: parseCidrList(config.SAGASCOPE_TRUSTED_PROXIES),
    loginThrottle: {
      maxAttempts: config.SAGASCOPE_LOGIN_MAX_ATTEMPTS,
      lockoutMs: config.SAGASCOPE_LOGIN_LOCKOUT_SECONDS * 1000,
      maxLockoutMs: Math.max(config.SAGASCOPE_LOGIN_LOCKOUT_SECONDS, config.SAGASCOPE_LOGIN_LOCKOUT_MAX_SECONDS) * 1000,
      accountMaxAttempts: config.SAGASCOPE_LOGIN_ACCOUNT_MAX_ATTEMPTS,
    },
  };
}
