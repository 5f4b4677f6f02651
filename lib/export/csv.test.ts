import { describe, expect, it } from 'vitest';
import { CsvParser, csvRecord, csvTextCell, guardCell, quoteField, unguardCell } from './csv';

function parseAll(text: string, chunkSize = text.length || 1): string[][] {
  const p = new CsvParser();
  const out: string[][] = [];
  for (let i = 0; i < text.length; i += chunkSize) p.push(text.slice(i, i + chunkSize), (r) => out.push(r));
  p.end((r) => out.push(r));
  return out;
}

describe('CSV formula injection', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', "'\rCR"],
    ["'quoted", "''quoted"],
  ])('prefixes %j with a single quote', (input, guarded) => {
    expect(guardCell(input)).toBe(guarded);
    expect(unguardCell(guardCell(input))).toBe(input);
  });

  it('leaves ordinary text alone', () => {
    for (const s of ['checkout', 'a=b', '1-2', 'x@y', '', ' =leading space']) expect(guardCell(s)).toBe(s);
  });

  it('guards before quoting, so a formula inside quotes is still neutralised', () => {
    expect(csvTextCell('=1+2,"x"')).toBe(`"'=1+2,""x"""`);
    expect(csvTextCell('-cmd|\' /C calc\'!A0')).toBe(`'-cmd|' /C calc'!A0`);
  });
});

describe('RFC 4180', () => {
  it('quotes fields with comma, quote, CR or LF and doubles quotes; records end with CRLF', () => {
    expect(quoteField('plain')).toBe('plain');
    expect(quoteField('a,b')).toBe('"a,b"');
    expect(quoteField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteField('two\nlines')).toBe('"two\nlines"');
    expect(quoteField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvRecord(['a', '"b,c"', ''])).toBe('a,"b,c",\r\n');
  });

  it('parses what it writes back to the same cells, across any chunking', () => {
    const rows = [
      ['id', 'text', 'empty'],
      ['1', 'a,b "c"\r\nd', ''],
      ['2', '=evil()', 'x'],
      ['3', 'é ✓ 𝄞', '"'],
    ];
    const text = rows.map((r) => csvRecord(r.map(csvTextCell))).join('');
    for (const size of [1, 2, 3, 7, text.length]) {
      expect(parseAll(text, size).map((r) => r.map(unguardCell))).toEqual(rows);
    }
  });

  it('reads a last record without a line end', () => {
    expect(parseAll('a,b\r\n1,"2"')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});
