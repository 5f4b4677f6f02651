import { describe, expect, it } from 'vitest';
import { csrfVerdict } from './csrf';
import { isHttps, originVerdict, type OriginFacts } from './origin';
import { csrfTokenFor, looksLikeApiToken, newApiToken, randomSecret } from './secrets';
import { clearedSessionCookies, parseCookies, sessionCookies } from './cookies';
import type { Principal } from './principal';
import { originFactsOf } from './guard';
import { authSettingsFrom } from './settings';
import { parseConfig } from '../config/env';
import { PEER_HEADER, declareEdge } from '../http/forwarded';

const o = (origin: string | null, host: string | null = 'ui.example:3000', extra: Partial<OriginFacts> = {}): OriginFacts => ({
  origin,
  host,
  secFetchSite: null,
  publicOrigin: null,
  ...extra,
});

describe('origin check', () => {
  it('accepts the same host and refuses others', () => {
    expect(originVerdict(o('http://ui.example:3000'))).toBe('same-origin');
    expect(originVerdict(o('http://UI.example:3000'))).toBe('same-origin');
    expect(originVerdict(o('http://evil.example'))).toBe('cross-origin');
    expect(originVerdict(o('http://ui.example:3001'))).toBe('cross-origin');
    expect(originVerdict(o('null'))).toBe('cross-origin');
    expect(originVerdict(o('not a url'))).toBe('cross-origin');
  });

  it('uses SAGASCOPE_PUBLIC_URL when configured (scheme included)', () => {
    const pub = { publicOrigin: 'https://sagascope.example' };
    expect(originVerdict(o('https://sagascope.example', 'internal:3000', pub))).toBe('same-origin');
    expect(originVerdict(o('http://sagascope.example', 'internal:3000', pub))).toBe('cross-origin');
  });

  it('falls back to Sec-Fetch-Site, then to unknown', () => {
    expect(originVerdict(o(null, 'h', { secFetchSite: 'same-origin' }))).toBe('same-origin');
    expect(originVerdict(o(null, 'h', { secFetchSite: 'cross-site' }))).toBe('cross-origin');
    expect(originVerdict(o(null, 'h', { secFetchSite: 'same-site' }))).toBe('cross-origin');
    expect(originVerdict(o(null))).toBe('unknown');
  });

  it('knows when cookies must be Secure', () => {
    expect(isHttps('http://x/', null, null)).toBe(false);
    expect(isHttps('https://x/', null, null)).toBe(true);
    expect(isHttps('http://x/', 'https', null)).toBe(true);
    expect(isHttps('http://x/', null, 'https://public.example')).toBe(true);
  });
});

describe('the origin check behind proxies (SAGASCOPE_TRUSTED_PROXIES)', () => {
  const settings = authSettingsFrom(parseConfig({ SAGASCOPE_TRUSTED_PROXIES: '10.0.0.0/8' }));
  const verdict = (peer: string, headers: Record<string, string>) => {
    const request = new Request('http://internal:3000/api/auth/login', { method: 'POST', headers: { host: 'internal:3000', [PEER_HEADER]: peer, ...headers } });
    return originVerdict(originFactsOf(request, settings));
  };
  declareEdge();

  it.each([
    // case, peer, headers, verdict
    ['a forged X-Forwarded-Host from an untrusted peer is ignored', '203.0.113.5', { origin: 'http://evil.example', 'x-forwarded-host': 'evil.example' }, 'cross-origin'],
    ['an untrusted peer is compared with Host', '203.0.113.5', { origin: 'http://internal:3000', 'x-forwarded-host': 'evil.example' }, 'same-origin'],
    ['a trusted proxy’s X-Forwarded-Host is the host', '10.0.0.2', { origin: 'https://ops.example', 'x-forwarded-host': 'ops.example' }, 'same-origin'],
    ['behind a trusted proxy, the internal Host is not the origin', '10.0.0.2', { origin: 'http://internal:3000', 'x-forwarded-host': 'ops.example' }, 'cross-origin'],
    ['a client’s X-Forwarded-Host before the proxy’s own does not count', '10.0.0.2', { origin: 'http://evil.example', 'x-forwarded-host': 'evil.example, ops.example' }, 'cross-origin'],
  ])('%s', (_case, peer, headers, expected) => {
    expect(verdict(peer, headers)).toBe(expected);
  });
});

describe('CSRF verdict', () => {
  const token = randomSecret();
  const session: Principal = { kind: 'user', userId: 'u', name: 'n', role: 'admin', sessionHash: 'h', csrfToken: csrfTokenFor(token), sessionExpiresAt: '' };
  const same = o('http://ui.example:3000');

  it('needs the session-derived token in the header', () => {
    expect(csrfVerdict(session, same, csrfTokenFor(token))).toBe('ok');
    expect(csrfVerdict(session, same, null)).toBe('missing');
    expect(csrfVerdict(session, same, csrfTokenFor(randomSecret()))).toBe('mismatch');
    expect(csrfVerdict(session, o(null), csrfTokenFor(token))).toBe('ok');
  });

  it('refuses a cross-origin request even with the right token', () => {
    expect(csrfVerdict(session, o('http://evil.example'), csrfTokenFor(token))).toBe('cross-origin');
  });

  it('exempts bearer tokens; anonymous requests get the origin check only', () => {
    expect(csrfVerdict({ kind: 'token', tokenId: 't', name: 'n', role: 'admin' }, o('http://evil.example'), null)).toBe('ok');
    expect(csrfVerdict({ kind: 'anonymous', readAccess: false }, same, null)).toBe('ok');
    expect(csrfVerdict({ kind: 'anonymous', readAccess: false }, o('http://evil.example'), null)).toBe('cross-origin');
  });

  it('derives a different, unguessable token per session', () => {
    expect(csrfTokenFor('a'.repeat(43))).not.toBe(csrfTokenFor('b'.repeat(43)));
    expect(csrfTokenFor(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('secrets and cookies', () => {
  it('API tokens have a recognisable prefix and 256 random bits', () => {
    const t = newApiToken();
    expect(looksLikeApiToken(t.token)).toBe(true);
    expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.token.startsWith(t.prefix)).toBe(true);
    expect(looksLikeApiToken('sgs_short')).toBe(false);
  });

  it('session cookie is httpOnly, SameSite=Lax, Secure over HTTPS, with an expiry; the CSRF cookie is readable', () => {
    const [session, csrf] = sessionCookies('tok', 'csrf', 3600, true);
    expect(session).toBe('sagascope_session=tok; Path=/; Max-Age=3600; SameSite=Lax; HttpOnly; Secure');
    expect(csrf).toBe('sagascope_csrf=csrf; Path=/; Max-Age=3600; SameSite=Lax; Secure');
    expect(sessionCookies('tok', 'csrf', 60, false)[0]).not.toContain('Secure');
    expect(clearedSessionCookies(false)[0]).toMatch(/^sagascope_session=; Path=\/; Max-Age=0; SameSite=Lax; Expires=Thu, 01 Jan 1970/);
  });

  it('parses a Cookie header (first value wins)', () => {
    const c = parseCookies('a=1; sagascope_session=abc%3D; a=2;bad; b="q"');
    expect(c.get('a')).toBe('1');
    expect(c.get('sagascope_session')).toBe('abc=');
    expect(c.get('b')).toBe('q');
    expect(parseCookies(null).size).toBe(0);
  });
});
