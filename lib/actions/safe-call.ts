/**
 * The only way manual actions reach the network. SSRF-safe by construction:
 * - the URL's scheme is http(s) and its host is on the allowlist;
 * - the name is resolved here, every address is checked against the blocked
 *   ranges, and the connection is made to the checked address (the socket's
 *   lookup is pinned), so DNS rebinding cannot slip another address in;
 * - redirects are never followed (a 3xx is refused, not chased);
 * - a timeout bounds the whole call and the response body read is capped.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns/promises';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { hostAllowed, type AllowEntry } from './host-allowlist';
import { blockedBy, type Cidr } from './address-policy';

export type RefusalReason = 'bad_url' | 'host_not_allowed' | 'blocked_address' | 'redirect' | 'timeout' | 'network';

export class CallRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'CallRefused';
  }
}

export interface SafeCallPolicy {
  allow: readonly AllowEntry[];
  blocked?: readonly Cidr[];
  timeoutMs: number;
  maxBodyBytes?: number;
  /** Named in refusals ("not on the <name> allowlist"); default `action`. */
  allowlistName?: string;
}

export interface SafeCallResult {
  status: number;
  body: string;
  durationMs: number;
  address: string;
}

export function checkUrl(raw: string, policy: SafeCallPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallRefused('bad_url', `not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallRefused('bad_url', `scheme ${url.protocol} not allowed`);
  if (url.username || url.password) throw new CallRefused('bad_url', 'credentials in URLs are not allowed');
  if (!hostAllowed(url, policy.allow)) throw new CallRefused('host_not_allowed', `host ${url.host} is not on the ${policy.allowlistName ?? 'action'} allowlist`);
  return url;
}

/** Resolves a host name and checks every address against the blocked ranges (also used by the pre-flight check). */
export async function resolveChecked(hostname: string, blocked: readonly Cidr[]): Promise<{ address: string; family: 4 | 6 }> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(bare)
    ? [{ address: bare, family: net.isIP(bare) as 4 | 6 }]
    : ((await dns.lookup(bare, { all: true, verbatim: true }).catch((e: Error) => {
        throw new CallRefused('network', `cannot resolve ${bare}: ${e.message}`);
      })) as { address: string; family: 4 | 6 }[]);
  // Every address must pass: a name with one good and one bad address is refused.
  for (const a of addresses) {
    const why = blockedBy(a.address, blocked);
    if (why) throw new CallRefused('blocked_address', `${bare} resolves to ${why}`);
  }
  if (addresses.length === 0) throw new CallRefused('network', `${bare} has no address`);
  return addresses[0]!;
}

export async function safeCall(
  rawUrl: string,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string },
  policy: SafeCallPolicy,
): Promise<SafeCallResult> {
  const url = checkUrl(rawUrl, policy);
  const started = performance.now();
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const target = await resolveChecked(url.hostname, policy.blocked ?? []);
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  const maxBody = policy.maxBodyBytes ?? 64 * 1024;
  return new Promise<SafeCallResult>((resolve, reject) => {
    const req = client.request(
      url,
      { method: init.method, headers: init.headers, lookup: pinned, signal: deadline, servername: url.hostname },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          reject(new CallRefused('redirect', `refused to follow a ${status} redirect to ${String(res.headers.location ?? '?').slice(0, 200)}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < maxBody) chunks.push(c.subarray(0, maxBody - size));
          size += c.length;
        });
        res.on('end', () =>
          resolve({ status, body: Buffer.concat(chunks).toString('utf8'), durationMs: performance.now() - started, address: target.address }),
        );
        res.on('error', (e) => reject(new CallRefused('network', e.message)));
      },
    );
    req.on('error', (e: Error & { name: string }) => {
      if (deadline.aborted) reject(new CallRefused('timeout', `no answer within ${policy.timeoutMs} ms`));
      else reject(e instanceof CallRefused ? e : new CallRefused('network', e.message));
    });
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
