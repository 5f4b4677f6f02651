import { describe, expect, it } from 'vitest';
import { DEFAULT_KEY_ATTRIBUTES, KeyExtractor, keyExtractorFor, keyPairs, MAX_KEYS_PER_SPAN, parseKeyAttributes } from './keys';

const pairs = (flat: string[] | null) => keyPairs(flat).map((k) => `${k.name}=${k.value}`);

describe('KeyExtractor', () => {
  const keys = new KeyExtractor(['order.id', 'payment.id', 'user.id']);

  it('takes saga.key.<name> under <name> and listed attributes under their own name', () => {
    expect(pairs(keys.extract({ 'saga.key.order_id': 'ORD-1', 'order.id': 'ORD-1', 'http.route': '/x', 'saga.id': 'g' })))
      .toEqual(['order_id=ORD-1', 'order.id=ORD-1']);
  });

  it('is null when a span has no key (nothing allocated on the common path)', () => {
    expect(keys.extract({ 'saga.id': 'g', 'http.route': '/x' })).toBeNull();
    expect(keys.extract({})).toBeNull();
  });

  it('takes finite numbers as text and skips other values', () => {
    expect(pairs(keys.extract({ 'payment.id': 42, 'user.id': 1.5, 'saga.key.a': true, 'saga.key.b': null, 'saga.key.c': ['x'], 'saga.key.d': { x: 'y' }, 'saga.key.e': '', 'saga.key.f': Number.NaN })))
      .toEqual(['payment.id=42', 'user.id=1.5']);
  });

  it('ignores a bare saga.key. prefix', () => {
    expect(keys.extract({ 'saga.key.': 'x' })).toBeNull();
  });

  it('finds listed names of every length, and no name of a listed length that is not listed', () => {
    const long = new KeyExtractor(['x', 'b'.repeat(30), 'c'.repeat(31), 'd'.repeat(45)]);
    const attrs = { x: '1', y: '2', ['b'.repeat(30)]: '3', ['c'.repeat(31)]: '4', ['e'.repeat(31)]: '5', ['d'.repeat(45)]: '6', ['d'.repeat(44)]: '7' };
    expect(pairs(long.extract(attrs)).map((p) => p.split('=')[1])).toEqual(['1', '3', '4', '6']);
  });

  it('takes only names that start with saga.key. exactly', () => {
    // Names that differ from the prefix in the characters checked first, and in the others.
    const near = { 'saga.kez.a': 'x', 'Saga.key.a': 'x', 'saga.Key.a': 'x', 'sagakkey.a': 'x', 'saga.ke.ya': 'x', 'saga.keyX.a': 'x', 'xaga.key.a': 'x' };
    expect(keys.extract(near)).toBeNull();
    expect(pairs(keys.extract({ ...near, 'saga.key.a': 'v' }))).toEqual(['a=v']);
  });

  it('adds the resource keys after the span\'s own, without repeats', () => {
    const resource = keys.extract({ 'user.id': 'u1', 'service.name': 's' });
    expect(pairs(resource)).toEqual(['user.id=u1']);
    expect(pairs(keys.extract({ 'order.id': 'o', 'user.id': 'u1' }, resource))).toEqual(['order.id=o', 'user.id=u1']);
    expect(keys.extract({}, resource)).toEqual(resource);
  });

  it('extractInto writes into one array for every span, however long it was left', () => {
    const into = ['stale', 'entries', 'from', 'before', 'x', 'y'];
    expect(keys.extractInto({ 'order.id': 'o', 'saga.key.order_id': 'o' }, ['order.id', 'o'], into)).toBe(4);
    expect(into.slice(0, 4)).toEqual(['order.id', 'o', 'order_id', 'o']);
    expect(keys.extractInto({ 'service.name': 's' }, null, into)).toBe(0);
    expect(keyExtractorFor(null).extractInto({ 'order.id': 'o' }, null, into)).toBe(0);
  });

  it('caps names at 128 and values at 256 characters, never splitting a surrogate pair', () => {
    const [k] = keyPairs(keys.extract({ [`saga.key.${'n'.repeat(500)}`]: 'v'.repeat(255) + '😀' + 'w'.repeat(10) }));
    expect(k!.name).toHaveLength(128);
    expect(k!.value).toBe('v'.repeat(255));
  });

  it('makes NUL and lone surrogates storable and keeps other control characters (as attribute values)', () => {
    const [k] = keyPairs(keys.extract({ 'saga.key.x': 'a\u0000b\u0001\n\ud800' }));
    expect(k!.value).toBe('a\uFFFDb\u0001\n\uFFFD');
  });

  it(`takes at most ${MAX_KEYS_PER_SPAN} keys of a span`, () => {
    const attrs = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`saga.key.k${i}`, `v${i}`]));
    expect(keyPairs(keys.extract(attrs))).toHaveLength(MAX_KEYS_PER_SPAN);
  });

  it('stores nothing when off', () => {
    expect(keyExtractorFor(null).extract({ 'saga.key.order_id': 'x', 'order.id': 'y' })).toBeNull();
  });
});

describe('parseKeyAttributes (SAGASCOPE_KEY_ATTRIBUTES)', () => {
  it('defaults to the documented list', () => {
    expect(parseKeyAttributes(undefined)).toBe(DEFAULT_KEY_ATTRIBUTES);
    expect(parseKeyAttributes('  ')).toBe(DEFAULT_KEY_ATTRIBUTES);
    expect(DEFAULT_KEY_ATTRIBUTES).toEqual(expect.arrayContaining(['order.id', 'order_id', 'payment.id', 'user.id', 'biz_id', 'saga.idempotency_key', 'messaging.message.id']));
  });

  it('replaces the list, extends it with +, or turns it off', () => {
    expect(parseKeyAttributes('tenant.ref, order.id ,')).toEqual(['tenant.ref', 'order.id']);
    expect(parseKeyAttributes('+tenant.ref')).toEqual([...DEFAULT_KEY_ATTRIBUTES, 'tenant.ref']);
    expect(parseKeyAttributes('none')).toEqual([]);
    expect(parseKeyAttributes('off')).toBeNull();
  });

  it('refuses names it could never match, saying which', () => {
    expect(() => parseKeyAttributes('order id')).toThrow(/"order id"/);
    expect(() => parseKeyAttributes('saga.key.order_id')).toThrow(/always keys/);
    expect(() => parseKeyAttributes('x'.repeat(200))).toThrow(/longer than 128/);
  });
});
