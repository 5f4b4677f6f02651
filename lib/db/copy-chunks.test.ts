import { describe, it, expect } from 'vitest';
import { copyChunks } from './copy-chunks';

const decode = (chunks: Iterable<Uint8Array>) => Buffer.concat([...chunks]).toString('utf8');

describe('copyChunks', () => {
  const line = (s: string) => s + '\n';

  it('encodes every line once, in order, as UTF-8 (multi-byte text and surrogate pairs included)', () => {
    const items = ['plain', 'ümlaut €', '日本語', 'emoji 😀 pair', '', 'tab\\tescaped'];
    expect(decode(copyChunks(items, line, 16))).toBe(items.map(line).join(''));
  });

  it('breaks chunks only between lines and keeps each chunk within its size', () => {
    const items = Array.from({ length: 200 }, (_, i) => `row ${i} ${'x'.repeat(i % 7)} é`);
    const chunks = [...copyChunks(items, line, 64)];
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(64);
      expect(c[c.length - 1]).toBe(0x0a); // each chunk ends at a line's end
    }
    expect(decode(chunks)).toBe(items.map(line).join(''));
  });

  it('sends a line longer than a chunk on its own, between the others', () => {
    const long = 'ø'.repeat(100);
    const chunks = [...copyChunks(['a', long, 'b'], line, 32)];
    expect(chunks.map((c) => Buffer.from(c).toString('utf8'))).toEqual(['a\n', long + '\n', 'b\n']);
  });

  it('writes lone surrogates as U+FFFD, as a string write would', () => {
    const bad = 'x\ud800y';
    expect(decode(copyChunks([bad], line))).toBe(Buffer.from(bad + '\n', 'utf8').toString('utf8'));
  });

  it('yields nothing for no lines', () => {
    expect([...copyChunks([], line)]).toEqual([]);
  });
});
