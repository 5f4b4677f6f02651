/**
 * Which resolved addresses a manual action (or an alert webhook) may connect
 * to. The host allowlist decides which names may be called at all; this
 * decides, after DNS, whether the address behind an allowed name is acceptable
 * — so a name that resolves (or is re-pointed) to a cloud metadata service or a
 * link-local address is refused even though the name itself is allowed.
 *
 * An IPv6 address that carries an IPv4 address (mapped, compatible, NAT64,
 * 6to4, Teredo: lib/net/ip.ts) is judged as that IPv4 address too, so
 * `[::a9fe:a9fe]` or `[64:ff9b::7f00:1]` cannot reach what 169.254.169.254 or a
 * blocked 127.0.0.0/8 could not.
 */
import { inCidr, parseCidr, type Cidr } from '../net/ip';

export { inCidr, parseCidr, type Cidr };

/**
 * Never reachable by a manual action, whatever the allowlist says: unspecified,
 * link-local (incl. 169.254.169.254 cloud metadata), multicast, broadcast.
 * Private and loopback ranges are NOT here: services are usually internal;
 * operators can add them with SAGASCOPE_ACTION_BLOCKED_CIDRS.
 */
export const ALWAYS_BLOCKED = [
  '0.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '255.255.255.255/32', '100.100.100.200/32',
  '::/128', 'fe80::/10', 'ff00::/8', 'fd00:ec2::254/128',
].map(parseCidr);

export function blockedBy(address: string, extra: readonly Cidr[] = []): string | null {
  for (const c of [...ALWAYS_BLOCKED, ...extra]) if (inCidr(address, c)) return `${address} is in a blocked range (${c.text})`;
  return null;
}
