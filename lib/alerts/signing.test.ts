import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureHeader, verifySignature } from './signing';

describe('webhook signatures', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: '42', event: 'saga.failed', saga: { id: 'ü-1' } });

  it('signs "<t>.<raw body>" with HMAC-SHA256 in the documented header format', () => {
    const header = signatureHeader(secret, body, 1_800_000_000);
    const expected = createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex');
    expect(header).toBe(`t=1800000000,v1=${expected}`);
  });

  it('round-trips through verify, within the tolerance', () => {
    const header = signatureHeader(secret, body, 1_800_000_000);
    expect(verifySignature(secret, header, body, { nowSeconds: 1_800_000_100 })).toEqual({ ok: true, timestamp: 1_800_000_000 });
    expect(verifySignature(secret, header, Buffer.from(body), { nowSeconds: 1_800_000_000 }).ok).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp and malformed headers', () => {
    const header = signatureHeader(secret, body, 1_800_000_000);
    const at = { nowSeconds: 1_800_000_000 };
    expect(verifySignature(secret, header, body + ' ', at)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(newWebhookSecret(), header, body, at)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(secret, header, body, { nowSeconds: 1_800_000_301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(secret, header.replace('t=1800000000', 't=1800000001'), body, at).ok).toBe(false);
    expect(verifySignature(secret, null, body, at)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(secret, 'v1=abc', body, at)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any one of several v1 signatures (secret rotation)', () => {
    const old = newWebhookSecret();
    const both = `${signatureHeader(old, body, 1_800_000_000)},v1=${signatureHeader(secret, body, 1_800_000_000).split('v1=')[1]}`;
    expect(verifySignature(secret, both, body, { nowSeconds: 1_800_000_000 }).ok).toBe(true);
    expect(verifySignature(old, both, body, { nowSeconds: 1_800_000_000 }).ok).toBe(true);
  });

  it('generates distinct, prefixed secrets', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(newWebhookSecret());
  });
});
