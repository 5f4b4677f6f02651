import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/env';
import { authSettingsFrom } from './settings';

const DEFAULT_THROTTLE = { maxAttempts: 5, lockoutMs: 60_000, maxLockoutMs: 3_600_000, accountMaxAttempts: 100 };

describe('auth configuration', () => {
  it('defaults: auth `auto`, not read-only, 12-hour sessions, no public URL, no trusted proxy, 5 attempts then 1 min doubling to 1 h', () => {
    expect(authSettingsFrom(parseConfig({}))).toEqual({
      mode: 'auto',
      readOnlyEnv: false,
      sessionTtlMinutes: 720,
      publicOrigin: null,
      trustedProxies: [],
      loginThrottle: DEFAULT_THROTTLE,
    });
  });

  it('reads SAGASCOPE_AUTH, SAGASCOPE_READ_ONLY, the session lifetime and the public URL', () => {
    const s = authSettingsFrom(
      parseConfig({ SAGASCOPE_AUTH: 'on', SAGASCOPE_READ_ONLY: 'true', SAGASCOPE_SESSION_TTL_MINUTES: '30', SAGASCOPE_PUBLIC_URL: 'https://ops.example/sagascope' }),
    );
    expect(s).toMatchObject({ mode: 'on', readOnlyEnv: true, sessionTtlMinutes: 30, publicOrigin: 'https://ops.example' });
    expect(authSettingsFrom(parseConfig({ SAGASCOPE_READ_ONLY: '1' })).readOnlyEnv).toBe(true);
  });

  it('reads the trusted proxies and the login throttle', () => {
    const s = authSettingsFrom(
      parseConfig({
        SAGASCOPE_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7 ,::1',
        SAGASCOPE_LOGIN_MAX_ATTEMPTS: '3',
        SAGASCOPE_LOGIN_LOCKOUT_SECONDS: '10',
        SAGASCOPE_LOGIN_LOCKOUT_MAX_SECONDS: '5',
        SAGASCOPE_LOGIN_ACCOUNT_MAX_ATTEMPTS: '0',
      }),
    );
    expect(s.trustedProxies.map((c) => c.text)).toEqual(['10.0.0.0/8', '192.168.1.7', '::1']);
    // A cap below the first lockout is the first lockout.
    expect(s.loginThrottle).toEqual({ maxAttempts: 3, lockoutMs: 10_000, maxLockoutMs: 10_000, accountMaxAttempts: 0 });
  });

  it('refuses bad values naming the variable', () => {
    expect(() => parseConfig({ SAGASCOPE_AUTH: 'maybe' })).toThrow(/SAGASCOPE_AUTH/);
    expect(() => parseConfig({ SAGASCOPE_READ_ONLY: 'yes' })).toThrow(ConfigError);
    expect(() => parseConfig({ SAGASCOPE_PUBLIC_URL: 'ftp://x' })).toThrow(/SAGASCOPE_PUBLIC_URL/);
    expect(() => parseConfig({ SAGASCOPE_SETUP_TOKEN: 'short' })).toThrow(/SAGASCOPE_SETUP_TOKEN/);
    expect(() => parseConfig({ SAGASCOPE_TRUSTED_PROXIES: '10.0.0.0/8, proxy.internal' })).toThrow(/SAGASCOPE_TRUSTED_PROXIES: not an IP range: proxy.internal/);
    expect(() => parseConfig({ SAGASCOPE_LOGIN_MAX_ATTEMPTS: '0' })).toThrow(/SAGASCOPE_LOGIN_MAX_ATTEMPTS/);
  });
});
