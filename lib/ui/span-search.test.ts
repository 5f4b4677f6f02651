import { describe, expect, it } from 'vitest';
import { likeContains, localMatches, mergeMatches, needsAttributeSearch, parseSpanQuery, stepMatch } from './span-search';

const strings = ['saga checkout', 'orchestrator', 'action charge-payment', 'payment', 'SELECT stock', 'inventory'];
const cols = {
  strings,
  id: ['aaaa000000000001', 'bbbb000000000002', 'cccc00f067aa0ba9', 'dddd000000000004'],
  label: [0, 2, 4, 2],
  service: [1, 3, 5, 3],
};

describe('span search', () => {
  it('parses qualifiers and normalises the text', () => {
    expect(parseSpanQuery('  Pay ')).toEqual({ field: 'any', text: 'pay' });
    expect(parseSpanQuery('service: Payment')).toEqual({ field: 'service', text: 'payment' });
    expect(parseSpanQuery('ATTR:ORD-1')).toEqual({ field: 'attr', text: 'ord-1' });
    expect(parseSpanQuery('other:x')).toEqual({ field: 'any', text: 'other:x' });
    expect(parseSpanQuery('x'.repeat(500)).text).toHaveLength(200);
  });

  it('matches name, service and span id case-insensitively', () => {
    expect(localMatches(cols, parseSpanQuery('PAY'))).toEqual([1, 3]);
    expect(localMatches(cols, parseSpanQuery('select'))).toEqual([2]);
    expect(localMatches(cols, parseSpanQuery('00F067'))).toEqual([2]);
    expect(localMatches(cols, parseSpanQuery('service:orch'))).toEqual([0]);
    // "name:" does not look at services, "span:" not at names.
    expect(localMatches(cols, parseSpanQuery('name:inventory'))).toEqual([]);
    expect(localMatches(cols, parseSpanQuery('span:charge'))).toEqual([]);
    expect(localMatches(cols, parseSpanQuery(''))).toEqual([]);
    expect(localMatches(cols, parseSpanQuery('attr:pay'))).toEqual([]);
  });

  it('asks the server only for queries that can match attribute values', () => {
    expect(needsAttributeSearch(parseSpanQuery('ORD-1'))).toBe(true);
    expect(needsAttributeSearch(parseSpanQuery('attr:ORD-1'))).toBe(true);
    expect(needsAttributeSearch(parseSpanQuery('service:pay'))).toBe(false);
    expect(needsAttributeSearch(parseSpanQuery('  '))).toBe(false);
  });

  it('merges the server matches in row order without duplicates, ignoring unknown ids', () => {
    const rowOf = (id: string) => cols.id.indexOf(id);
    expect(mergeMatches([1, 3], ['dddd000000000004', 'aaaa000000000001', 'ffff000000000000'], rowOf)).toEqual([0, 1, 3]);
  });

  it('steps to the next and previous match from the selected row, wrapping around', () => {
    const m = [2, 5, 9];
    expect(stepMatch(m, -1, 'next')).toBe(0);
    expect(stepMatch(m, 2, 'next')).toBe(1);
    expect(stepMatch(m, 3, 'next')).toBe(1);
    expect(stepMatch(m, 9, 'next')).toBe(0);
    expect(stepMatch(m, 5, 'prev')).toBe(0);
    expect(stepMatch(m, 2, 'prev')).toBe(2);
    expect(stepMatch(m, -1, 'prev')).toBe(2);
    expect(stepMatch(m, 100, 'prev')).toBe(2);
    expect(stepMatch([], 0, 'next')).toBe(-1);
  });

  it('escapes LIKE wildcards', () => {
    expect(likeContains('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});
