import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainVerifier, GENESIS_HASH, canonicalJson, hashEntry, toStorableJson, type ChainFields, type ChainedEntry } from './chain';

function chain(n: number): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const f: ChainFields = {
      seq: i,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      actor: i % 2 ? 'alice' : 'token:ci',
      role: 'admin',
      via: 'session',
      action: 'user.create',
      sagaId: i === 3 ? 'saga-3' : null,
      step: null,
      request: { name: `u${i}`, nested: { b: 1, a: [1, 'x', null] } },
      result: i % 2 ? null : { ok: true },
      outcome: 'ok',
      reason: null,
      ref: i > 1 ? i - 1 : null,
      prevHash: prev,
    };
    const e = { ...f, hash: hashEntry(f) };
    out.push(e);
    prev = e.hash;
  }
  return out;
}

function verify(entries: ChainedEntry[], from: 'genesis' | 'anywhere' = 'genesis') {
  const v = new ChainVerifier(from);
  for (const e of entries) if (v.push(e)) break;
  return v.report();
}

describe('canonicalJson', () => {
  it('sorts keys, drops whitespace and undefined, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } } as never)).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson(toStorableJson({ a: undefined, b: null }))).toBe('{"b":null}');
  });

  it('serialises numbers and strings as ECMAScript does', () => {
    expect(canonicalJson([1e21, 0.1, -0, 1.5e-7] as never)).toBe('[1e+21,0.1,0,1.5e-7]');
    expect(canonicalJson('é"\n\u2028' as never)).toBe('"é\\"\\n\u2028"');
    expect(() => canonicalJson(Number.NaN as never)).toThrow();
  });

  it('gives the same text for objects built in a different key order', () => {
    expect(canonicalJson({ x: 1, y: { q: 2, p: 3 } } as never)).toBe(canonicalJson({ y: { p: 3, q: 2 }, x: 1 } as never));
  });
});

describe('toStorableJson', () => {
  it('removes what PostgreSQL cannot store (NUL, lone surrogates) and JSON cannot carry', () => {
    expect(toStorableJson({ s: 'a\0b', lone: 'x\ud800y', d: new Date(0), f: () => 1 })).toEqual({
      s: 'ab',
      lone: 'x\ufffdy',
      d: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('hashEntry', () => {
  it('is SHA-256 over a domain tag and the canonical fields, prev hash included', () => {
    const [e] = chain(1);
    const { hash, ...fields } = e!;
    const expected = createHash('sha256')
      .update(
        'sagascope-audit-v1\n' +
          canonicalJson({ ...fields, request: fields.request, result: fields.result } as never),
      )
      .digest('hex');
    expect(hash).toBe(expected);
    expect(hashEntry({ ...fields, prevHash: '1'.repeat(64) })).not.toBe(hash);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    expect(verify(entries)).toEqual({ ok: true, entries: 5, head: { seq: 5, hash: entries[4]!.hash }, firstBroken: null });
  });

  it('names an entry whose content was edited', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, reason: 'edited' };
    expect(verify(entries)).toMatchObject({ ok: false, entries: 2, firstBroken: { seq: 3 } });
    expect(verify(entries).firstBroken!.reason).toMatch(/altered/);
  });

  it('names the next entry when an edited entry was also re-hashed (its successor no longer links)', () => {
    const entries = chain(5);
    const { hash: _old, ...f } = entries[2]!;
    const forged = { ...f, actor: 'mallory' };
    entries[2] = { ...forged, hash: hashEntry(forged) };
    expect(verify(entries)).toMatchObject({ ok: false, firstBroken: { seq: 4 } });
    expect(verify(entries).firstBroken!.reason).toMatch(/does not link to entry 3/);
  });

  it('names a removed entry by its seq', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verify(entries)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: expect.stringMatching(/entry 2 is missing/) } });
  });

  it('refuses a chain not starting at the genesis', () => {
    const entries = chain(3).slice(1);
    expect(verify(entries)).toMatchObject({ ok: false, firstBroken: { seq: 1 } });
    expect(verify(entries, 'anywhere')).toMatchObject({ ok: true, entries: 2 });
  });

  it('detects entries out of order', () => {
    const entries = chain(4);
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(verify(entries)).toMatchObject({ ok: false, firstBroken: { seq: 2 } });
  });
});
