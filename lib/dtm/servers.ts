/**
 * SAGASCOPE_DTM_SERVERS: the DTM servers sagascope reads and, for the
 * coordinator's controls, calls — and the only hosts those calls may go to
 * (not the manual actions' allowlist). Comma-separated HTTP base URLs, as DTM
 * clients write them: `http://dtm:36789` or `http://dtm:36789/api/dtmsvr`
 * (DTM's HTTP port is 36789). Both forms name the same server.
 */
import type { AllowEntry } from '../actions/host-allowlist';

/** The canonical form of one entry: scheme://host:port, no path. Throws with a message naming the entry. */
export function parseDtmServer(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry.trim());
  } catch {
    throw new Error(`not a URL: ${entry.slice(0, 200)} (expected e.g. http://dtm:36789)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${entry}: DTM's HTTP API needs http:// or https://`);
  if (url.username || url.password) throw new Error(`${entry}: credentials in the URL are not allowed`);
  if (url.search || url.hash) throw new Error(`${entry}: a base URL has no query or fragment`);
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== '/api/dtmsvr') throw new Error(`${entry}: the path may only be /api/dtmsvr (DTM's API prefix)`);
  return url.origin;
}

export function parseDtmServers(text: string | undefined): string[] {
  const out: string[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const s = parseDtmServer(entry);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** The allowlist of the DTM calls: exactly each server's host and port. */
export function dtmAllowlist(servers: readonly string[]): AllowEntry[] {
  return servers.map((s) => {
    const u = new URL(s);
    return { host: u.hostname.toLowerCase(), port: u.port || (u.protocol === 'https:' ? '443' : '80'), wildcard: false };
  });
}
