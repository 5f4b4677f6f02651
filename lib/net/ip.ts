/**
 * IP addresses and ranges, parsed strictly and classified by ipaddr.js (which
 * names every IPv6 transition range) rather than by hand-written parsing.
 *
 * `carriedIpv4` lists the IPv4 addresses an IPv6 address stands for, so that a
 * policy written for IPv4 ranges (block 127.0.0.0/8, trust 10.0.0.0/8) cannot be
 * walked around by writing the same host as IPv6: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
 * (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
 * (2001::/32, server and client).
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

export interface Cidr {
  /** The range as written in the configuration (for messages). */
  text: string;
  address: Ip;
  prefix: number;
}

/**
 * An address in its plain form only: dotted-quad IPv4 or IPv6 (optionally in
 * brackets). ipaddr.js alone also takes inet_aton's octal / hex / short forms
 * ("0x7f.1"), which must not slip into configuration or a policy decision.
 */
export function parseIp(text: string): Ip | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(bare) === 0) return null;
  try {
    return ipaddr.parse(bare);
  } catch {
    return null;
  }
}

/** `a.b.c.d/n`, `x::y/n`, or a single address (a /32 or /128 range). Throws with a message. */
export function parseCidr(text: string): Cidr {
  const [addr, bits, ...rest] = text.trim().split('/');
  const address = parseIp(addr ?? '');
  if (!address || rest.length > 0) throw new Error(`not an IP range: ${text}`);
  const max = address.kind() === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${text}`);
  // An IPv4-mapped range is the IPv4 range it names: addresses are judged as IPv4 too.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return { text: text.trim(), address: (address as ipaddr.IPv6).toIPv4Address(), prefix: prefix - 96 };
  }
  return { text: text.trim(), address, prefix };
}

export const parseCidrList = (text: string): Cidr[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseCidr);

const v4 = (b: number[]) => new ipaddr.IPv4(b.map((x) => x & 0xff));
const bytesOf = (a: ipaddr.IPv6) => a.toByteArray();

/** RFC 6052 §2.2: where the IPv4 address sits after a NAT64 prefix of `len` bits (bits 64–71, the "u" octet, are skipped). */
function rfc6052(bytes: number[], len: 48 | 56 | 64 | 96): ipaddr.IPv4 {
  if (len === 96) return v4(bytes.slice(12, 16));
  const after = [...bytes.slice(len / 8, 8), ...bytes.slice(9)];
  return v4(after.slice(0, 4));
}

/**
 * The local-use prefix 64:ff9b:1::/48 (RFC 8215) may be deployed with any
 * prefix length from /48 to /96, which the address alone does not tell. Every
 * layout RFC 6052 allows for it is a candidate: /96 always, a shorter one only
 * when its "u" octet and the suffix after the IPv4 bits are zero (as the RFC
 * requires). Judging all candidates fails closed on the rare ambiguous address.
 */
function localUseNat64(bytes: number[]): ipaddr.IPv4[] {
  const zero = (from: number) => bytes.slice(from).every((x) => x === 0);
  const out = [rfc6052(bytes, 96)];
  if (bytes[8] === 0) {
    if (zero(13)) out.push(rfc6052(bytes, 64));
    if (zero(12)) out.push(rfc6052(bytes, 56));
    if (zero(11)) out.push(rfc6052(bytes, 48));
  }
  return out;
}

/** The IPv4 addresses an IPv6 address carries (empty for native IPv6 and for IPv4 itself). */
export function carriedIpv4(address: Ip): ipaddr.IPv4[] {
  if (address.kind() === 'ipv4') return [];
  const a = address as ipaddr.IPv6;
  const b = bytesOf(a);
  switch (a.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return [v4(b.slice(12))];
    case 'rfc6052':
      // The well-known prefix 64:ff9b::/96 is always a /96.
      return a.match(ipaddr.IPv6.parse('64:ff9b::'), 96) ? [rfc6052(b, 96)] : localUseNat64(b);
    case '6to4':
      return [v4(b.slice(2, 6))];
    case 'teredo':
      // Server (bits 32–63) and client (last 32 bits, inverted): traffic goes to either.
      return [v4(b.slice(4, 8)), v4(b.slice(12).map((x) => ~x))];
    default:
      // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1); :: and ::1 keep their IPv6 meaning.
      if (b.slice(0, 12).every((x) => x === 0) && !(b.slice(12, 15).every((x) => x === 0) && b[15]! <= 1)) return [v4(b.slice(12))];
      return [];
  }
}

/** The address itself and every IPv4 address it carries: what a policy must judge. */
export function addressForms(text: string): Ip[] {
  const ip = parseIp(text);
  return ip ? [ip, ...carriedIpv4(ip)] : [];
}

function matches(ip: Ip, cidr: Cidr): boolean {
  return ip.kind() === cidr.address.kind() && ip.match(cidr.address as never, cidr.prefix);
}

/** True when the address, or an IPv4 address it carries, is in the range. */
export function inCidr(address: string, cidr: Cidr): boolean {
  return addressForms(address).some((ip) => matches(ip, cidr));
}

/** The address in canonical text (IPv4-mapped → dotted quad, IPv6 compressed), or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  if (!ip) return null;
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return (ip as ipaddr.IPv6).toIPv4Address().toString();
  return ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString();
}
