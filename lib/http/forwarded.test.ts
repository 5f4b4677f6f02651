import { describe, expect, it } from 'vitest';
import { PEER_HEADER, UNKNOWN_CLIENT, forwardedFacts, sanitiseIncomingHeaders } from './forwarded';
import { parseCidrList } from '../net/ip';

const TRUSTED = parseCidrList('10.0.0.0/8, 2001:db8::/32');
const getter = (h: Record<string, string>) => (name: string) => h[name] ?? null;
const facts = (h: Record<string, string>, edge = true) => forwardedFacts(getter(h), TRUSTED, edge);

describe('forwarded headers are believed only from trusted proxies', () => {
  const FORGED = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.9.9.9' };

  it.each([
    // case, headers, expected { client, host, proto, peerTrusted }
    ['a direct client', { [PEER_HEADER]: '203.0.113.5', host: 'ui.example' }, { client: '203.0.113.5', host: 'ui.example', proto: null, peerTrusted: false }],
    ['a direct client forging every header', { [PEER_HEADER]: '203.0.113.5', host: 'ui.example', ...FORGED }, { client: '203.0.113.5', host: 'ui.example', proto: null, peerTrusted: false }],
    ['a direct IPv6 client, IPv4-mapped', { [PEER_HEADER]: '::ffff:203.0.113.5', host: 'h' }, { client: '203.0.113.5', host: 'h', proto: null, peerTrusted: false }],
    ['a trusted proxy', { [PEER_HEADER]: '10.0.0.2', host: 'sagascope:3000', 'x-forwarded-host': 'ops.example', 'x-forwarded-proto': 'HTTPS', 'x-forwarded-for': '198.51.100.7' }, { client: '198.51.100.7', host: 'ops.example', proto: 'https', peerTrusted: true }],
    ['a trusted proxy over IPv4-mapped IPv6', { [PEER_HEADER]: '::ffff:10.0.0.2', host: 'h', 'x-forwarded-for': '198.51.100.7' }, { client: '198.51.100.7', host: 'h', proto: null, peerTrusted: true }],
    ['a trusted IPv6 proxy', { [PEER_HEADER]: '2001:db8::1', host: 'h', 'x-forwarded-for': '2001:DB8:1::9, 198.51.100.7' }, { client: '198.51.100.7', host: 'h', proto: null, peerTrusted: true }],
    ['a chain of trusted proxies', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-for': '198.51.100.7, 10.1.1.1, 10.2.2.2' }, { client: '198.51.100.7', host: 'h', proto: null, peerTrusted: true }],
    ['a client forging X-Forwarded-For behind a trusted proxy: the address the proxy saw counts', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-for': '1.1.1.1, 10.3.3.3, 198.51.100.7' }, { client: '198.51.100.7', host: 'h', proto: null, peerTrusted: true }],
    ['a client claiming to be a trusted proxy, behind one', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-for': '10.7.7.7' }, { client: '10.7.7.7', host: 'h', proto: null, peerTrusted: true }],
    ['a trusted proxy that appends: its own (last) X-Forwarded-Host / -Proto count', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-host': 'evil.example, ops.example', 'x-forwarded-proto': 'http,https' }, { client: '10.0.0.2', host: 'ops.example', proto: 'https', peerTrusted: true }],
    ['a trusted proxy with a malformed X-Forwarded-For: the proxy is the client', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-for': 'garbage' }, { client: '10.0.0.2', host: 'h', proto: null, peerTrusted: true }],
    ['a trusted proxy without X-Forwarded-*: Host and the proxy', { [PEER_HEADER]: '10.0.0.2', host: 'h' }, { client: '10.0.0.2', host: 'h', proto: null, peerTrusted: true }],
    ['a trusted proxy with an empty X-Forwarded-Host', { [PEER_HEADER]: '10.0.0.2', host: 'h', 'x-forwarded-host': ' ' }, { client: '10.0.0.2', host: 'h', proto: null, peerTrusted: true }],
    ['a peer header that is not an address', { [PEER_HEADER]: '10.0.0.2, 1.1.1.1', host: 'h', ...FORGED }, { client: UNKNOWN_CLIENT, host: 'h', proto: null, peerTrusted: false }],
  ] as const)('%s', (_case, headers, expected) => {
    expect(facts(headers as Record<string, string>)).toMatchObject(expected);
  });

  it('without our server in front, the peer header itself is not believed', () => {
    expect(facts({ [PEER_HEADER]: '10.0.0.2', host: 'h', ...FORGED }, false)).toEqual({ peer: null, peerTrusted: false, client: UNKNOWN_CLIENT, host: 'h', proto: null });
  });

  it('nothing is trusted by default', () => {
    expect(forwardedFacts(getter({ [PEER_HEADER]: '127.0.0.1', host: 'h', ...FORGED }), [], true)).toMatchObject({ client: '127.0.0.1', host: 'h', proto: null });
  });
});

describe('the server edge sanitises incoming headers', () => {
  it.each([
    ['an untrusted peer: forwarded headers dropped, its own address written', '203.0.113.5', false],
    ['a trusted proxy: forwarded headers kept', '10.0.0.2', true],
    ['an untrusted IPv6 peer', '2a00::1', false],
  ])('%s', (_case, socket, kept) => {
    const headers: Record<string, string | string[] | undefined> = {
      host: 'ui.example',
      [PEER_HEADER]: '10.0.0.2',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '10.9.9.9',
      'x-forwarded-port': '443',
      forwarded: 'for=10.9.9.9;proto=https',
    };
    sanitiseIncomingHeaders(headers, socket, TRUSTED);
    expect(headers[PEER_HEADER]).toBe(socket);
    expect(headers.host).toBe('ui.example');
    for (const h of ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-port', 'forwarded']) expect(h in headers).toBe(kept);
  });

  it('an unknown socket address leaves no peer header (so nothing is believed)', () => {
    const headers: Record<string, string | string[] | undefined> = { [PEER_HEADER]: '10.0.0.2', 'x-forwarded-host': 'evil.example' };
    sanitiseIncomingHeaders(headers, undefined, TRUSTED);
    expect(headers).toEqual({});
  });
});
