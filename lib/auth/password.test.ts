import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, parsePasswordHash, verifyPassword } from './password';

// Small parameters keep the suite fast; the default ones are checked once.
const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('stores the algorithm, its parameters, a salt and the key', async () => {
    const h = await hashPassword('correct horse battery', FAST);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(parsePasswordHash(h)).toMatchObject({ N: 1024, r: 8, p: 1 });
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('salts every hash: the same password hashes differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!', FAST), hashPassword('same password!', FAST)]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('uses the parameters stored with the hash, not the current default', async () => {
    const h = await hashPassword('older parameters', { N: 2048, r: 4, p: 2 });
    expect(await verifyPassword('older parameters', h)).toBe(true);
    expect(needsRehash(h)).toBe(true);
  });

  it('defaults to a memory-hard setting (32 MiB) and does not ask to rehash it', async () => {
    expect(128 * DEFAULT_SCRYPT.N * DEFAULT_SCRYPT.r).toBe(32 * 1024 * 1024);
    const h = await hashPassword('default parameters');
    expect(h.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('default parameters', h)).toBe(true);
    expect(needsRehash(h)).toBe(false);
  });

  it('treats unicode passwords by their NFC form', async () => {
    const h = await hashPassword('caf\u00e9-p\u00e4ssword', FAST);
    expect(await verifyPassword('cafe\u0301-pa\u0308ssword', h)).toBe(true);
  });

  it('refuses malformed or abusive stored hashes without running scrypt on them', async () => {
    for (const bad of [
      '',
      'plain',
      'bcrypt$10$x$y$z$w',
      'scrypt$1000$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$1073741824$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$1024$999$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$1024$8$1$$a2V5a2V5a2V5a2V5a2V5a2V5',
    ]) {
      expect(parsePasswordHash(bad), bad).toBeNull();
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });
});
