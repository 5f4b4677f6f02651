import { describe, expect, it } from 'vitest';
import { likePrefix, sagaFilterConditions, searchSubquery } from './saga-filter';
import { parseSagaListQuery } from '../api/query';

describe('likePrefix', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePrefix('a%b_c\\d')).toBe('a\\%b\\_c\\\\d%');
  });
});

describe('searchSubquery', () => {
  it('matches a saga id by prefix from 6 characters, whole below, folded to lower case', () => {
    const p: unknown[] = [];
    expect(searchSubquery('ORD-12', p)).toContain('lower(id) LIKE $1');
    expect(p[0]).toBe('ord-12%');
    const q: unknown[] = [];
    expect(searchSubquery('AB12', q)).toContain('lower(id) = $1');
    expect(q[0]).toBe('ab12');
  });

  it('adds the trace id branch for 32 hex characters and the span id branch for 16', () => {
    const trace = 'A'.repeat(32);
    expect(searchSubquery(trace, [])).toContain('trace_ids @>');
    expect(searchSubquery(trace, [])).not.toContain('span_id');
    expect(searchSubquery('b'.repeat(16), [])).toContain('span_id =');
    expect(searchSubquery('order-1234', [])).not.toMatch(/trace_ids|span_id/);
  });

  it('always looks the value up among business keys, as stored (capped at 256)', () => {
    const p: unknown[] = [];
    expect(searchSubquery('X'.repeat(300), p)).toContain('FROM saga_keys WHERE value = ANY(');
    // Folded as the collector folds, and as sent for PostgreSQL's lower() (rows folded by migration saga_keys_folded).
    expect(p.slice(-2)).toEqual(['x'.repeat(256), 'X'.repeat(256)]);
  });
});

describe('sagaFilterConditions', () => {
  const conditions = (params: Record<string, string>) => {
    const parsed = parseSagaListQuery(params);
    if (!parsed.ok) throw new Error(parsed.error);
    const values: unknown[] = [];
    return { where: sagaFilterConditions(parsed.value, Date.UTC(2026, 0, 1), values), values };
  };

  it('has no condition without filters', () => {
    expect(conditions({}).where).toEqual([]);
  });

  it('matches name and service by prefix', () => {
    const { where, values } = conditions({ name: 'check', service: 'pay_' });
    expect(where).toEqual(['name LIKE $1', expect.stringContaining('s.service LIKE $2')]);
    expect(values).toEqual(['check%', 'pay\\_%']);
  });

  it('filters on one business key by name and value (any case)', () => {
    const { where, values } = conditions({ key: 'order_id:ORD-1:A' });
    expect(where[0]).toContain('FROM saga_keys WHERE value = ANY(ARRAY[$1, lower($2::text)]) AND $3 = ANY(names::text[])');
    expect(values).toEqual(['ord-1:a', 'ORD-1:A', 'order_id']);
  });

  it('numbers parameters across filters', () => {
    const { where, values } = conditions({ status: 'failed', q: 'abcdef', from: '2025-01-01T00:00:00Z' });
    expect(where.join(' AND ')).toMatch(/\$1.*\$2.*\$3.*\$4.*\$5.*\$6/s);
    expect(values).toHaveLength(6);
  });
});

describe('key=', () => {
  it.each([
    ['order_id', /must be <name>:<value>/],
    [':x', /name before the colon is empty/],
    ['a:', /value after "a:" is empty/],
    ['a:\u0000', /NUL/],
  ])('%j is a 400 with a sentence', (key, message) => {
    const parsed = parseSagaListQuery({ key });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('takes control characters a stored key may hold, and colons in the value', () => {
    const parsed = parseSagaListQuery({ key: ' order.id :a:b\u0001' });
    expect(parsed.ok && parsed.value.key).toEqual({ name: 'order.id', value: 'a:b\u0001' });
  });
});
