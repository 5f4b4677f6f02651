/**
 * The configured hosts manual actions may call: exact `host`, `host:port`, or
 * `*.suffix` (any subdomain, not the bare suffix). Matching is on the URL's
 * hostname, lower-cased; IPv6 literals are written in brackets.
 */
export interface AllowEntry {
  host: string;
  port: string | null;
  wildcard: boolean;
}

export function parseAllowlist(text: string | undefined): AllowEntry[] {
  if (!text) return [];
  return text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((entry) => {
      // A DNS name (letters, digits, `-`, `_`, dots) or a bracketed IPv6 literal, optionally with a port.
      const m = /^(\*\.)?(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::(\d{1,5}))?$/.exec(entry);
      if (!m) throw new Error(`bad allowlist entry: ${entry}`);
      return { wildcard: Boolean(m[1]), host: m[2]!, port: m[3] ?? null };
    });
}

export function hostAllowed(url: URL, allow: readonly AllowEntry[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allow.some((e) => {
    if (e.port !== null && e.port !== port) return false;
    return e.wildcard ? host.endsWith(`.${e.host}`) : host === e.host;
  });
}
