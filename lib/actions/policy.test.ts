import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../config/env';
import { ACTIONS_DISABLED, actionPolicyFrom, preflight, withPolicyRefusal } from './policy';
import { CallRefused } from './safe-call';
import { blockedBy } from './address-policy';
import type { ActionPlan, PlannedCall } from './plan';

const base = { SAGASCOPE_DATA_DIR: 'memory://' };

function call(order: number, url: string): PlannedCall {
  return { order, step: `s${order}`, key: `s${order}`, index: order, op: 'compensate', attempt: 1, url, idempotencyKey: `k${order}`, branchId: null };
}
function plan(calls: PlannedCall[]): ActionPlan {
  return { sagaId: 'G', action: 'compensate', scope: 'saga', step: null, calls, coordinatorCall: null, warning: null, refusal: null, rule: null, overridable: false, planId: 'pl_test', evidence: { status: 'failed', failedStep: 'x', anomalies: [] } };
}

/** A resolver that knows a few names (no DNS in unit tests). */
const fakeDns: Record<string, string> = { 'inventory.internal': '10.1.2.3', 'rebound.internal': '169.254.169.254', 'local.internal': '127.0.0.1' };
const resolve = async (host: string, blocked: Parameters<typeof blockedBy>[1] = []) => {
  const address = fakeDns[host] ?? host;
  const why = blockedBy(address, blocked);
  if (why) throw new CallRefused('blocked_address', `${host} resolves to ${why}`);
  return { address, family: 4 as const };
};

describe('configuration', () => {
  it('defaults: no host allowed, 10 s timeout, no extra blocked ranges', () => {
    const c = parseConfig(base);
    expect(c.SAGASCOPE_ACTION_ALLOWED_HOSTS).toBe('');
    expect(c.SAGASCOPE_ACTION_TIMEOUT_MS).toBe(10_000);
    const p = actionPolicyFrom(c);
    expect(p).toMatchObject({ allow: [], blocked: [], timeoutMs: 10_000 });
  });

  it('parses the allowlist and blocked ranges', () => {
    const c = parseConfig({
      ...base,
      SAGASCOPE_ACTION_ALLOWED_HOSTS: 'inventory.internal, *.svc.cluster.local,127.0.0.1:9000',
      SAGASCOPE_ACTION_BLOCKED_CIDRS: '127.0.0.0/8, fd00::/8',
      SAGASCOPE_ACTION_TIMEOUT_MS: '2500',
    });
    const p = actionPolicyFrom(c);
    expect(p.allow).toEqual([
      { host: 'inventory.internal', port: null, wildcard: false },
      { host: 'svc.cluster.local', port: null, wildcard: true },
      { host: '127.0.0.1', port: '9000', wildcard: false },
    ]);
    expect(p.blocked!.map((b) => [b.address.kind(), b.prefix])).toEqual([
      ['ipv4', 8],
      ['ipv6', 8],
    ]);
    expect(p.timeoutMs).toBe(2500);
  });

  it('fails fast on a malformed entry, naming the variable', () => {
    expect(() => parseConfig({ ...base, SAGASCOPE_ACTION_ALLOWED_HOSTS: 'ok.internal, bad host' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, SAGASCOPE_ACTION_ALLOWED_HOSTS: 'ok.internal, bad host' })).toThrow(/SAGASCOPE_ACTION_ALLOWED_HOSTS: bad allowlist entry: bad host/);
    expect(() => parseConfig({ ...base, SAGASCOPE_ACTION_BLOCKED_CIDRS: '10.0.0.0/33' })).toThrow(/SAGASCOPE_ACTION_BLOCKED_CIDRS: bad prefix length/);
    expect(() => parseConfig({ ...base, SAGASCOPE_ACTION_TIMEOUT_MS: '5' })).toThrow(/SAGASCOPE_ACTION_TIMEOUT_MS/);
    expect(() => parseConfig({ ...base, SAGASCOPE_SELF_OTLP_ENDPOINT: 'grpc://x' })).toThrow(/SAGASCOPE_SELF_OTLP_ENDPOINT/);
  });
});

describe('preflight', () => {
  const policy = (allow: string, blocked = '') =>
    actionPolicyFrom(parseConfig({ ...base, SAGASCOPE_ACTION_ALLOWED_HOSTS: allow, SAGASCOPE_ACTION_BLOCKED_CIDRS: blocked }));

  it('refuses everything while the allowlist is empty', async () => {
    const r = await preflight(plan([call(1, 'http://inventory.internal/undo')]), policy(''), resolve);
    expect(r).toEqual({ reason: 'disabled', order: null, message: ACTIONS_DISABLED });
  });

  it('passes a plan whose every call is allowed', async () => {
    const p = plan([call(1, 'http://inventory.internal/a?gid=1'), call(2, 'http://inventory.internal:8080/b')]);
    expect(await preflight(p, policy('inventory.internal'), resolve)).toBeNull();
  });

  it('names the first call that is not allowed, even when earlier ones are', async () => {
    const p = plan([call(1, 'http://inventory.internal/a'), call(2, 'http://evil.example/b'), call(3, 'ftp://inventory.internal/c')]);
    const r = await preflight(p, policy('inventory.internal'), resolve);
    expect(r).toMatchObject({ reason: 'host_not_allowed', order: 2 });
    expect(r!.message).toBe('call 2 (s2) refused: host evil.example is not on the action allowlist');
  });

  it('refuses an allowed name that resolves to a blocked address', async () => {
    expect(await preflight(plan([call(1, 'http://rebound.internal/x')]), policy('rebound.internal'), resolve)).toMatchObject({ reason: 'blocked_address', order: 1 });
    expect(await preflight(plan([call(1, 'http://local.internal/x')]), policy('local.internal'), resolve)).toBeNull();
    expect(await preflight(plan([call(1, 'http://local.internal/x')]), policy('local.internal', '127.0.0.0/8'), resolve)).toMatchObject({ reason: 'blocked_address' });
  });

  it('refuses credentials in URLs and other schemes', async () => {
    expect(await preflight(plan([call(1, 'http://u:p@inventory.internal/x')]), policy('inventory.internal'), resolve)).toMatchObject({ reason: 'bad_url' });
    expect(await preflight(plan([call(1, 'file:///etc/passwd')]), policy('inventory.internal'), resolve)).toMatchObject({ reason: 'bad_url' });
  });

  it("turns a policy refusal into the plan's refusal, keeping the calls listed", () => {
    const p = plan([call(1, 'http://evil.example/b')]);
    const refused = withPolicyRefusal(p, { reason: 'host_not_allowed', order: 1, message: 'no' });
    expect(refused.refusal).toBe('no');
    expect(refused.calls).toHaveLength(1);
    expect(withPolicyRefusal(p, null)).toBe(p);
  });
});
