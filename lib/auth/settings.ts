/** The auth-related configuration (lib/config/env.ts), as the guard uses it. */
import type { Config } from '../config/env';
import type { AuthMode } from './authenticate';

export interface AuthSettings {
  mode: AuthMode;
  readOnlyEnv: boolean;
  sessionTtlMinutes: number;
  publicOrigin: string | null;
}

export function authSettingsFrom(
  config: Pick<Config, 'SAGASCOPE_AUTH' | 'SAGASCOPE_READ_ONLY' | 'SAGASCOPE_SESSION_TTL_MINUTES' | 'SAGASCOPE_PUBLIC_URL'>,
): AuthSettings {
  return {
    mode: config.SAGASCOPE_AUTH,
    readOnlyEnv: config.SAGASCOPE_READ_ONLY,
    sessionTtlMinutes: config.SAGASCOPE_SESSION_TTL_MINUTES,
    publicOrigin: config.SAGASCOPE_PUBLIC_URL ? new URL(config.SAGASCOPE_PUBLIC_URL).origin : null,
  };
}
