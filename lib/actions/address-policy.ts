/**
 * Which resolved addresses a manual action may connect to. The host allowlist
 * decides which names may be called at all; this decides, after DNS, whether
 * the address behind an allowed name is acceptable — so a name that resolves
 * (or is re-pointed) to a cloud metadata service or a link-local address is
 * refused even though the name itself is allowed.
 */
import net from 'node:net';

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

function toBytes(address: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const family = net.isIP(address);
  if (family === 4) return { family: 4, bytes: Uint8Array.from(address.split('.').map(Number)) };
  if (family !== 6) return null;
  // Expand "::" and an embedded IPv4 tail into 8 groups.
  let addr = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    addr = addr.slice(0, -v4[1]!.length) + ((b[0]! << 8) | b[1]!).toString(16) + ':' + ((b[2]! << 8) | b[3]!).toString(16);
  }
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return { family: 6, bytes };
}

export function parseCidr(text: string): Cidr {
  const [addr, bits] = text.trim().split('/');
  const parsed = toBytes(addr ?? '');
  if (!parsed) throw new Error(`not an IP range: ${text}`);
  const max = parsed.family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${text}`);
  return { ...parsed, prefix };
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. */
function normalise(address: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const p = toBytes(address);
  if (p && p.family === 6 && p.bytes.slice(0, 10).every((b) => b === 0) && p.bytes[10] === 0xff && p.bytes[11] === 0xff) {
    return { family: 4, bytes: p.bytes.slice(12) };
  }
  return p;
}

export function inCidr(address: string, cidr: Cidr): boolean {
  const p = normalise(address);
  if (!p || p.family !== cidr.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((p.bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

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
  for (const c of [...ALWAYS_BLOCKED, ...extra]) if (inCidr(address, c)) return `${address} is in a blocked range`;
  return null;
}
