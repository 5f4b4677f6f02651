import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { safeCall, CallRefused, type SafeCallPolicy } from './safe-call';
import { parseAllowlist, hostAllowed } from './host-allowlist';
import { parseCidr, inCidr, blockedBy } from './address-policy';

let server: http.Server;
let port = 0;
const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data' }).end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 5_000).unref();
    } else res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const policy = (over: Partial<SafeCallPolicy> = {}): SafeCallPolicy => ({
  allow: parseAllowlist(`127.0.0.1:${port},localhost:${port}`),
  timeoutMs: 500,
  ...over,
});
const post = (url: string, p = policy()) => safeCall(url, { method: 'POST', headers: { 'Idempotency-Key': 'k1' }, body: '{}' }, p);

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (e) {
    return e instanceof CallRefused ? e.reason : `other: ${(e as Error).message}`;
  }
}

describe('safeCall', () => {
  it('calls an allowlisted host and passes headers through', async () => {
    const res = await post(`http://127.0.0.1:${port}/compensate`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(seen.at(-1)?.headers['idempotency-key']).toBe('k1');
  });

  it.each([
    ['a host not on the allowlist', () => `http://example.invalid:${port}/x`, 'host_not_allowed'],
    ['the right host on another port', () => `http://127.0.0.1:${port + 1}/x`, 'host_not_allowed'],
    ['a non-http scheme', () => `file:///etc/passwd`, 'bad_url'],
    ['credentials in the URL', () => `http://u:p@127.0.0.1:${port}/x`, 'bad_url'],
    ['garbage', () => `not a url`, 'bad_url'],
  ])('refuses %s', async (_name, url, reason) => {
    expect(await refusal(post(url()))).toBe(reason);
  });

  it('refuses an allowlisted name that resolves to a blocked address', async () => {
    const p = policy({ blocked: [parseCidr('127.0.0.0/8'), parseCidr('::1/128')] });
    expect(await refusal(post(`http://localhost:${port}/x`, p))).toBe('blocked_address');
  });

  it('always refuses link-local / metadata addresses, even when allowlisted', async () => {
    const p = policy({ allow: parseAllowlist('169.254.169.254') });
    expect(await refusal(post('http://169.254.169.254/latest/meta-data', p))).toBe('blocked_address');
  });

  it('does not follow redirects', async () => {
    expect(await refusal(post(`http://127.0.0.1:${port}/redirect`))).toBe('redirect');
  });

  it('times out a hung endpoint', async () => {
    const started = Date.now();
    expect(await refusal(post(`http://127.0.0.1:${port}/slow`))).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4_000); // the endpoint answers only after 5 s
  });
});

describe('allowlist and address ranges', () => {
  it('matches exact hosts, ports and wildcard subdomains', () => {
    const allow = parseAllowlist('payment.svc:8080, *.internal.example');
    expect(hostAllowed(new URL('http://payment.svc:8080/a'), allow)).toBe(true);
    expect(hostAllowed(new URL('http://payment.svc:8081/a'), allow)).toBe(false);
    expect(hostAllowed(new URL('http://a.internal.example/x'), allow)).toBe(true);
    expect(hostAllowed(new URL('http://internal.example/x'), allow)).toBe(false);
    expect(hostAllowed(new URL('http://evilinternal.example/x'), allow)).toBe(false);
  });

  it.each([
    ['169.254.169.254', true],
    ['::ffff:169.254.169.254', true],
    ['fe80::1', true],
    ['0.0.0.0', true],
    ['10.0.0.5', false],
    ['127.0.0.1', false],
    ['2001:db8::1', false],
  ])('%s blocked by default: %s', (addr, blocked) => {
    expect(blockedBy(addr) !== null).toBe(blocked);
  });

  it('matches CIDR prefixes in both families', () => {
    expect(inCidr('10.1.2.3', parseCidr('10.0.0.0/8'))).toBe(true);
    expect(inCidr('11.1.2.3', parseCidr('10.0.0.0/8'))).toBe(false);
    expect(inCidr('2001:db8::1', parseCidr('2001:db8::/32'))).toBe(true);
    expect(inCidr('2001:db9::1', parseCidr('2001:db8::/32'))).toBe(false);
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
  });
});
