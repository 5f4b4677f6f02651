import { describe, expect, it } from 'vitest';
import { addressForms, canonicalIp, carriedIpv4, inCidr, parseCidr, parseCidrList, parseIp } from './ip';
import { blockedBy } from '../actions/address-policy';

const carried = (a: string) => carriedIpv4(parseIp(a)!).map(String);

describe('IPv4 carried by IPv6 transition forms', () => {
  it.each([
    // form, address, the IPv4 it carries
    ['IPv4-mapped', '::ffff:127.0.0.5', ['127.0.0.5']],
    ['IPv4-mapped, hex', '::ffff:7f00:5', ['127.0.0.5']],
    ['IPv4-translated (RFC 6145)', '::ffff:0:7f00:5', ['127.0.0.5']],
    ['IPv4-compatible', '::7f00:5', ['127.0.0.5']],
    ['IPv4-compatible, dotted', '::169.254.169.254', ['169.254.169.254']],
    ['NAT64 well-known prefix', '64:ff9b::7f00:5', ['127.0.0.5']],
    ['NAT64 well-known prefix, dotted', '64:ff9b::169.254.169.254', ['169.254.169.254']],
    ['NAT64 local-use /96', '64:ff9b:1::a9fe:a9fe', ['169.254.169.254']],
    ['NAT64 local-use /64', '64:ff9b:1:0:a:0:500:0', ['5.0.0.0', '10.0.0.5']],
    ['NAT64 local-use /48 (RFC 6052: bits 64–71 skipped)', '64:ff9b:1:7f00:0:500::', ['0.0.0.0', '0.5.0.0', '0.0.5.0', '127.0.0.5']],
    ['6to4', '2002:7f00:5::1', ['127.0.0.5']],
    ['6to4, metadata', '2002:a9fe:a9fe::', ['169.254.169.254']],
    // Teredo 2001:0:<server>:<flags>:<port^ffff>:<client^ffffffff>
    ['Teredo (server and client)', '2001:0:4136:e378:8000:63bf:80ff:fffa', ['65.54.227.120', '127.0.0.5']],
  ])('%s %s', (_form, address, ipv4) => {
    expect(carried(address)).toEqual(ipv4);
  });

  it.each(['::', '::1', '2001:db8::1', 'fe80::1', '2a00:1450:4001:80b::200e', '10.0.0.1'])('%s carries none', (address) => {
    expect(carried(address)).toEqual([]);
  });
});

describe('the SSRF policy judges the carried IPv4', () => {
  const loopback = [parseCidr('127.0.0.0/8')];
  it.each([
    ['127.0.0.5', true],
    ['::ffff:127.0.0.5', true],
    ['::7f00:5', true],
    ['::127.0.0.5', true],
    ['::ffff:0:7f00:5', true],
    ['64:ff9b::7f00:5', true],
    ['64:ff9b:1::7f00:5', true],
    ['2002:7f00:5::', true],
    ['2001:0:4136:e378:8000:63bf:80ff:fffa', true],
    ['[::7f00:5]', true],
    ['10.0.0.5', false],
    ['64:ff9b::a00:5', false],
    ['2002:a00:5::', false],
    ['::1', false],
  ])('%s in an operator-blocked 127.0.0.0/8: %s', (address, blocked) => {
    expect(blockedBy(address, loopback) !== null).toBe(blocked);
  });

  it.each([
    ['169.254.169.254', true],
    ['::ffff:169.254.169.254', true],
    ['::a9fe:a9fe', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b:1::a9fe:a9fe', true],
    ['2002:a9fe:a9fe::1', true],
    ['2001:0:a9fe:a9fe::', true],
    ['2001:0:4136:e378:8000:63bf:5601:5601', true], // Teredo client 169.254.169.254 (inverted)
    ['::e000:1', true], // 224.0.0.1, multicast
    ['::', true],
    ['fe80::1', true],
    ['0.0.0.0', true],
    ['10.0.0.5', false],
    ['127.0.0.1', false],
    ['::ffff:10.0.0.5', false],
    ['2001:db8::1', false],
  ])('%s blocked by default: %s', (address, blocked) => {
    expect(blockedBy(address) !== null).toBe(blocked);
  });

  it('names the range that refused', () => {
    expect(blockedBy('64:ff9b::a9fe:a9fe')).toBe('64:ff9b::a9fe:a9fe is in a blocked range (169.254.0.0/16)');
  });
});

describe('ranges and addresses from configuration', () => {
  it('matches CIDR prefixes in both families, single addresses as /32 and /128', () => {
    expect(inCidr('10.1.2.3', parseCidr('10.0.0.0/8'))).toBe(true);
    expect(inCidr('11.1.2.3', parseCidr('10.0.0.0/8'))).toBe(false);
    expect(inCidr('2001:db8::1', parseCidr('2001:db8::/32'))).toBe(true);
    expect(inCidr('2001:db9::1', parseCidr('2001:db8::/32'))).toBe(false);
    expect(inCidr('10.0.0.1', parseCidr('10.0.0.1'))).toBe(true);
    expect(inCidr('10.0.0.2', parseCidr('10.0.0.1'))).toBe(false);
    expect(inCidr('::1', parseCidr('::1'))).toBe(true);
    expect(inCidr('10.0.0.1', parseCidr('0.0.0.0/0'))).toBe(true);
    expect(inCidr('::1', parseCidr('0.0.0.0/0'))).toBe(false);
  });

  it('an IPv4-mapped range is the IPv4 range it names', () => {
    expect(inCidr('10.1.2.3', parseCidr('::ffff:10.0.0.0/104'))).toBe(true);
    expect(inCidr('11.1.2.3', parseCidr('::ffff:10.0.0.0/104'))).toBe(false);
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/x', '10.0.0.0/', 'example.com', '0x7f.1', '127.1', '010.0.0.1', '', '1.2.3.4.5'])(
    'refuses %j',
    (text) => {
      expect(() => parseCidr(text)).toThrow();
    },
  );

  it('parses lists and canonicalises addresses', () => {
    expect(parseCidrList(' 10.0.0.0/8, ,::1 ').map((c) => c.text)).toEqual(['10.0.0.0/8', '::1']);
    expect(canonicalIp('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('[::1]')).toBe('::1');
    expect(canonicalIp('0x7f.1')).toBeNull();
    expect(canonicalIp('unknown')).toBeNull();
    expect(addressForms('not an address')).toEqual([]);
  });
});
