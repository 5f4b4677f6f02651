import { describe, expect, it } from 'vitest';
import { buildCsp, newNonce } from './csp';

describe('content security policy', () => {
  it('scripts only from self or with the nonce; no inline scripts; no framing', () => {
    const csp = buildCsp('abc', { dev: false });
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src'))!;
    expect(scriptSrc).toBe(`script-src 'self' 'nonce-abc' 'strict-dynamic'`);
    expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(buildCsp('abc', { dev: true })).toMatch(/'unsafe-eval'/);
  });

  it('nonces are fresh and 128-bit', () => {
    const a = newNonce();
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(new Set(Array.from({ length: 100 }, newNonce)).size).toBe(100);
  });
});
