/**
 * Every query parser shares the date and text rules of lib/api/query.ts, so a
 * value PostgreSQL cannot take (NUL, a year outside 1–9999) is a 400 there too,
 * not a database error.
 */
import { describe, it, expect } from 'vitest';
import { parseAuditListQuery } from './audit-query';
import { parseExportQuery } from '../export/query';
import { parseSagaListQuery } from './query';

describe.each([
  ['saga list', (p: Record<string, string>) => parseSagaListQuery(p), {}],
  ['audit list', (p: Record<string, string>) => parseAuditListQuery(p), {}],
  ['export', (p: Record<string, string>) => parseExportQuery(p), { kind: 'sagas', format: 'csv' }],
] as const)('%s parameters', (_name, parse, base) => {
  it.each([
    ['a year before 1', { from: '-100000-01-01T00:00:00Z' }],
    ['a year after 9999', { to: '+275760-09-13T00:00:00Z' }],
    ['not a date', { from: 'yesterday-ish' }],
  ])('refuses %s', (_case, params) => {
    const parsed = parse({ ...base, ...params });
    expect(parsed.ok).toBe(false);
  });

  it('accepts an ordinary range', () => {
    expect(parse({ ...base, from: '2026-11-01T00:00:00Z', to: '2026-11-21T00:00:00Z' }).ok).toBe(true);
  });
});

describe('text filters', () => {
  it.each([
    ['audit actor', () => parseAuditListQuery({ actor: 'a\u0000b' })],
    ['audit saga', () => parseAuditListQuery({ saga: 'x\u0000' })],
    ['saga list q', () => parseSagaListQuery({ q: 'x\u0000' })],
  ])('%s with NUL is refused', (_name, parse) => {
    expect(parse().ok).toBe(false);
  });
});
