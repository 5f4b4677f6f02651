/**
 * Who is on the other end of a request, and which X-Forwarded-* headers to
 * believe. Anyone can send X-Forwarded-Host / -Proto / -For; they are believed
 * only when the TCP peer is a proxy listed in SAGASCOPE_TRUSTED_PROXIES
 * (comma-separated addresses or CIDR ranges; default none).
 *
 * Route handlers do not see the socket. server/start.ts, our own server in
 * front of Next, writes the peer's address into PEER_HEADER (overwriting any
 * copy a client sent) and strips X-Forwarded-* / Forwarded from untrusted
 * peers before Next sees them (Next derives the request URL's scheme from
 * X-Forwarded-Proto and fills the headers in from the socket when they are
 * missing). The peer header is believed only when that server declared itself
 * in this process (`declareEdge`); without it (`next start`, route handlers
 * called in tests) the peer is unknown and no forwarded header is believed.
 */
import { canonicalIp, inCidr, type Cidr } from '../net/ip';

export const PEER_HEADER = 'x-sagascope-peer';

/** Headers a proxy uses to say where a request came from; dropped from untrusted peers. */
export const FORWARDED_HEADERS = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-port', 'forwarded'] as const;

/** The client address when the peer is not known (see above). */
export const UNKNOWN_CLIENT = 'unknown';

// On globalThis: server/start.ts and Next's bundle hold separate copies of this module.
const EDGE = Symbol.for('sagascope.peerHeaderEdge');
type Slot = { [EDGE]?: boolean };

/** Called by server/start.ts (and by tests standing in for it): PEER_HEADER is now authoritative. */
export function declareEdge(on = true): void {
  (globalThis as Slot)[EDGE] = on;
}

export function edgeDeclared(): boolean {
  return (globalThis as Slot)[EDGE] === true;
}

export function isTrustedProxy(address: string | null, trusted: readonly Cidr[]): boolean {
  return address !== null && trusted.some((c) => inCidr(address, c));
}

export interface ForwardedFacts {
  /** The TCP peer (canonical), or null when unknown. */
  peer: string | null;
  peerTrusted: boolean;
  /** The client: the peer, or behind trusted proxies the nearest untrusted address of X-Forwarded-For. */
  client: string;
  /** The host the client addressed: X-Forwarded-Host from a trusted proxy, else Host. */
  host: string | null;
  /** X-Forwarded-Proto from a trusted proxy, else null. */
  proto: string | null;
}

type HeaderGetter = (name: string) => string | null;

/** The last element of a comma-separated header: the one the nearest (trusted) proxy wrote. */
function lastValue(value: string | null): string | null {
  if (value === null) return null;
  const v = value.split(',').pop()!.trim();
  return v === '' ? null : v;
}

/**
 * X-Forwarded-For read from the right: each trusted proxy appended the address
 * it received from, so the first address that is not a trusted proxy is the
 * client. A malformed entry ends the walk at the proxy that passed it on.
 */
function clientBehindProxies(peer: string, xff: string | null, trusted: readonly Cidr[]): string {
  const hops = (xff ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalIp(hops[i]!);
    if (hop === null) break;
    client = hop;
    if (!isTrustedProxy(hop, trusted)) break;
  }
  return client;
}

export function forwardedFacts(header: HeaderGetter, trusted: readonly Cidr[], edge: boolean = edgeDeclared()): ForwardedFacts {
  const peer = edge ? canonicalIp(header(PEER_HEADER) ?? '') : null;
  const peerTrusted = isTrustedProxy(peer, trusted);
  const host = header('host');
  if (!peerTrusted) return { peer, peerTrusted, client: peer ?? UNKNOWN_CLIENT, host, proto: null };
  return {
    peer,
    peerTrusted,
    client: clientBehindProxies(peer!, header('x-forwarded-for'), trusted),
    host: lastValue(header('x-forwarded-host')) ?? host,
    proto: lastValue(header('x-forwarded-proto'))?.toLowerCase() ?? null,
  };
}

/**
 * For server/start.ts: the request headers as Next must see them. PEER_HEADER
 * becomes the socket's address (whatever the client sent in it), and an
 * untrusted peer's X-Forwarded-* / Forwarded headers are removed.
 */
export function sanitiseIncomingHeaders(headers: Record<string, string | string[] | undefined>, socketAddress: string | undefined, trusted: readonly Cidr[]): void {
  delete headers[PEER_HEADER];
  const peer = canonicalIp(socketAddress ?? '');
  if (peer !== null) headers[PEER_HEADER] = peer;
  if (!isTrustedProxy(peer, trusted)) for (const h of FORWARDED_HEADERS) delete headers[h];
}
