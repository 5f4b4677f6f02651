/**
 * Where a request comes from, from its headers alone (pure). Mutating requests
 * from browsers must be same-origin: the Origin header (or, without it,
 * Sec-Fetch-Site) must match this server, i.e. SAGASCOPE_PUBLIC_URL when set,
 * otherwise the Host the browser addressed (X-Forwarded-Host only from a trusted
 * proxy: lib/http/forwarded.ts decides what `host` and `forwardedProto` are).
 */

export interface OriginFacts {
  origin: string | null;
  secFetchSite: string | null;
  host: string | null;
  /** SAGASCOPE_PUBLIC_URL's origin, when configured. */
  publicOrigin: string | null;
}

export type OriginVerdict = 'same-origin' | 'cross-origin' | 'unknown';

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

export function originVerdict(f: OriginFacts): OriginVerdict {
  if (f.origin !== null) {
    // "null" (sandboxed frames, some redirects) is never ours.
    if (f.origin === 'null') return 'cross-origin';
    if (f.publicOrigin !== null) {
      try {
        return new URL(f.origin).origin === new URL(f.publicOrigin).origin ? 'same-origin' : 'cross-origin';
      } catch {
        return 'cross-origin';
      }
    }
    const host = hostOf(f.origin);
    return host !== null && f.host !== null && host === f.host.toLowerCase() ? 'same-origin' : 'cross-origin';
  }
  if (f.secFetchSite !== null) return f.secFetchSite === 'same-origin' || f.secFetchSite === 'none' ? 'same-origin' : 'cross-origin';
  // No browser metadata at all: a script or an old browser. Session requests still need the CSRF token.
  return 'unknown';
}

/** Whether responses to this request should set Secure cookies. `forwardedProto`: from a trusted proxy only. */
export function isHttps(requestUrl: string, forwardedProto: string | null, publicOrigin: string | null): boolean {
  if (publicOrigin?.startsWith('https:')) return true;
  if (forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https') return true;
  return requestUrl.startsWith('https:');
}
