import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/env';
import { authSettingsFrom } from './settings';

describe('auth configuration', () => {
  it('defaults: auth `auto`, not read-only, 12-hour sessions, no public URL', () => {
    expect(authSettingsFrom(parseConfig({}))).toEqual({ mode: 'auto', readOnlyEnv: false, sessionTtlMinutes: 720, publicOrigin: null });
  });

  it('reads SAGASCOPE_AUTH, SAGASCOPE_READ_ONLY, the session lifetime and the public URL', () => {
    const s = authSettingsFrom(
      parseConfig({ SAGASCOPE_AUTH: 'on', SAGASCOPE_READ_ONLY: 'true', SAGASCOPE_SESSION_TTL_MINUTES: '30', SAGASCOPE_PUBLIC_URL: 'https://ops.example/sagascope' }),
    );
    expect(s).toEqual({ mode: 'on', readOnlyEnv: true, sessionTtlMinutes: 30, publicOrigin: 'https://ops.example' });
    expect(authSettingsFrom(parseConfig({ SAGASCOPE_READ_ONLY: '1' })).readOnlyEnv).toBe(true);
  });

  it('refuses bad values naming the variable', () => {
    expect(() => parseConfig({ SAGASCOPE_AUTH: 'maybe' })).toThrow(/SAGASCOPE_AUTH/);
    expect(() => parseConfig({ SAGASCOPE_READ_ONLY: 'yes' })).toThrow(ConfigError);
    expect(() => parseConfig({ SAGASCOPE_PUBLIC_URL: 'ftp://x' })).toThrow(/SAGASCOPE_PUBLIC_URL/);
    expect(() => parseConfig({ SAGASCOPE_SETUP_TOKEN: 'short' })).toThrow(/SAGASCOPE_SETUP_TOKEN/);
  });
});
