import { describe, expect, it } from 'vitest';
import { ExportEncoder, RowCounter, type ExportColumn, type ExportFormat } from './format';

const columns: ExportColumn[] = [
  { name: 'id', kind: 'text' },
  { name: 'n', kind: 'number' },
  { name: 'ok', kind: 'boolean' },
  { name: 'tags', kind: 'strings' },
  { name: 'attrs', kind: 'json' },
];

const rows = [
  { id: 'a', n: 1.5, ok: true, tags: ['x', 'y'], attrs: '{"k": "v"}' },
  { id: '=cmd', n: null, ok: false, tags: [], attrs: null },
  { id: 'multi\nline "q"', n: -3, ok: null, tags: ['+1'], attrs: '[1, 2]' },
];

function encode(format: ExportFormat, rs = rows): string {
  const e = new ExportEncoder(format, columns);
  return e.header() + rs.map((r) => e.row(r)).join('') + e.footer();
}

function count(format: ExportFormat, text: string, chunk: number): number {
  const c = new RowCounter(format);
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += chunk) c.push(bytes.subarray(i, i + chunk));
  return c.rows;
}

describe('ExportEncoder', () => {
  it('writes CSV with a header, formula-guarded text and raw numbers', () => {
    expect(encode('csv')).toBe(
      'id,n,ok,tags,attrs\r\n' + 'a,1.5,true,x; y,"{""k"": ""v""}"\r\n' + "'=cmd,,false,,\r\n" + '"multi\nline ""q""",-3,,\'+1,"[1, 2]"\r\n',
    );
  });

  it('writes NDJSON objects with JSON columns embedded, one per line', () => {
    const lines = encode('ndjson').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { id: 'a', n: 1.5, ok: true, tags: ['x', 'y'], attrs: { k: 'v' } },
      { id: '=cmd', n: null, ok: false, tags: [], attrs: null },
      { id: 'multi\nline "q"', n: -3, ok: null, tags: ['+1'], attrs: [1, 2] },
    ]);
  });

  it('writes a JSON array, one element per line, also when empty', () => {
    expect(JSON.parse(encode('json'))).toHaveLength(3);
    expect(encode('json').split('\n')).toHaveLength(3 + 3);
    expect(encode('json', [])).toBe('[\n]\n');
    expect(JSON.parse(encode('json', []))).toEqual([]);
  });
});

describe('RowCounter', () => {
  it.each(['csv', 'ndjson', 'json'] as const)('counts %s rows whatever the chunking', (format) => {
    const text = encode(format);
    for (const chunk of [1, 3, 64, 100_000]) expect(count(format, text, chunk)).toBe(3);
    expect(count(format, encode(format, []), 5)).toBe(0);
  });
});
