import { describe, expect, it } from 'vitest';
import { distinctKeys, KeyLines, keysOfRows, keyWritesOfRows, MAX_NAMES_PER_ROW, parseKeyLines } from './key-writer';
import type { CopyBlock } from '../ingest/span-row';

/**
 * A block as a decode worker leaves it, holding only key lines (lib/ingest/copy-block.ts):
 * line i carries the lines of the i-th saga given, and a line past them carries none.
 */
function keyBlock(...sagas: [string, ...string[]][]): CopyBlock {
  const lines = new KeyLines();
  for (const [sagaId, ...keys] of sagas) lines.add(sagaId, keys);
  const ids = [...new Set(sagas.map(([id]) => id))];
  const texts = ids.map((id) => Buffer.from(lines.take(id), 'utf8'));
  const keyStarts = new Uint32Array(texts.length + 1);
  texts.forEach((t, i) => (keyStarts[i + 1] = keyStarts[i]! + t.length));
  return {
    bytes: Buffer.concat(texts), starts: new Uint32Array(1), sagaAt: new Uint32Array(0), resources: new Map(),
    keyLine: Int32Array.from([...ids.keys(), -1]), keyStarts,
  };
}
/** A row of a worker's block: `line` as keyBlock numbers them. */
const lean = (sagaId: string, block: CopyBlock, line: number) => ({ sagaId, keys: null, block, line });
const text = (bytes: Uint8Array[]) => bytes.map((b) => Buffer.from(b).toString('utf8')).join('');

const row = (sagaId: string | null, ...keys: string[]) => ({ sagaId, keys: keys.length === 0 ? null : keys });

describe('keyWritesOfRows', () => {
  it('sends the keys of sagas the transaction inserted as COPY lines, once each, and sorts the rest', () => {
    const w = keyWritesOfRows([
      row('new-1', 'order.id', 'ORD-1', 'user.id', 'u1'),
      row('old-2', 'order.id', 'ORD-2'),
      row('new-1', 'order.id', 'ORD-1'),
      row('old-1', 'user.id', 'u9', 'order.id', 'ORD-0'),
      row(null, 'order.id', 'ORD-orphan'),
      row('new-1'),
    ], new Set(['new-1']));
    // Values folded (lib/search/keys.ts foldKeyValue), names as a text[] literal.
    expect(w.copyText).toBe('new-1\t{"order.id"}\tord-1\nnew-1\t{"user.id"}\tu1\n');
    expect(w.copyBytes).toEqual([]);
    expect(w.copyRows()).toEqual([{ sagaId: 'new-1', name: 'order.id', value: 'ord-1' }, { sagaId: 'new-1', name: 'user.id', value: 'u1' }]);
    expect(w.upsert).toEqual([
      { sagaId: 'old-1', name: 'order.id', value: 'ord-0' }, { sagaId: 'old-1', name: 'user.id', value: 'u9' },
      { sagaId: 'old-2', name: 'order.id', value: 'ord-2' },
    ]);
  });

  it('escapes tabs, newlines and backslashes for COPY', () => {
    const w = keyWritesOfRows([row('s\t1', 'a\\b', 'line\nbreak')], new Set(['s\t1']));
    // The array literal escapes the backslash once, COPY once more.
    expect(w.copyText).toBe('s\\t1\t{"a\\\\\\\\b"}\tline\\nbreak\n');
  });

  it('writes each pair of a saga once, whether its rows share key arrays or not, past the short scan too', () => {
    const shared = ['order.id', 'ORD-1'];
    const many = Array.from({ length: 50 }, (_, i) => row('big', 'msg', `m${i % 40}`));
    const w = keyWritesOfRows([row('s', ...shared), { sagaId: 's', keys: shared }, row('s', 'order.id', 'ORD-1', 'x', 'y'), ...many, row('big', 'msg', 'm3')], new Set(['s', 'big']));
    const lines = w.copyText.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2 + 40);
    expect(new Set(lines).size).toBe(lines.length);
    expect(w.copyRows()).toHaveLength(42);
  });

  it('takes the key lines a worker wrote into blocks: one block of a new saga as it is, once however many of its rows point there', () => {
    const a = keyBlock(['new-1', 'order.id', 'ORD-1', 'user.id', 'u1'], ['old-1', 'order.id', 'ORD-0']);
    const rows = [
      lean('new-1', a, 0), lean('new-1', a, 2), // the saga's second row carries no lines
      lean('old-1', a, 1),
      lean('new-2', a, 2), // inherited its saga: no lines of new-2 in the block, nothing written
    ];
    const w = keyWritesOfRows(rows, new Set(['new-1', 'new-2']));
    expect(w.copyText).toBe('');
    expect(text(w.copyBytes)).toBe('new-1\t{"order.id"}\tord-1\nnew-1\t{"user.id"}\tu1\n');
    expect(w.copyRows()).toEqual([{ sagaId: 'new-1', name: 'order.id', value: 'ord-1' }, { sagaId: 'new-1', name: 'user.id', value: 'u1' }]);
    expect(w.upsert).toEqual([{ sagaId: 'old-1', name: 'order.id', value: 'ord-0' }]);
  });

  it('stored sagas\' keys from blocks go to the insert, parsed back from their lines', () => {
    const a = keyBlock(['old', 'order.id', 'ORD-1', 'note', 'tab\there']);
    const b = keyBlock(['old', 'order.id', 'ORD-1']);
    const w = keyWritesOfRows([lean('old', a, 0), lean('old', b, 0)], new Set());
    expect(w.copyText).toBe('');
    expect(w.upsert).toEqual([{ sagaId: 'old', name: 'note', value: 'tab\there' }, { sagaId: 'old', name: 'order.id', value: 'ord-1' }]);
  });

  it('merges a new saga\'s keys from several blocks and from rows, each pair once', () => {
    const a = keyBlock(['s', 'order.id', 'ORD-1', 'note', 'tab\there']);
    const b = keyBlock(['s', 'order.id', 'ORD-1', 'payment.id', 'P-1']);
    const w = keyWritesOfRows([
      lean('s', a, 0), lean('s', b, 0),
      { sagaId: 's', keys: ['order.id', 'ORD-1', 'user.id', 'u1'] }, // a row that inherited s, its keys on the row
    ], new Set(['s']));
    expect(w.copyBytes).toEqual([]);
    expect(w.copyText.split('\n').filter(Boolean).sort()).toEqual([
      's\t{"note"}\ttab\\there', 's\t{"order.id"}\tord-1', 's\t{"payment.id"}\tp-1', 's\t{"user.id"}\tu1',
    ]);
    expect(w.copyRows().map((k) => k.value)).toEqual(['tab\there', 'ord-1', 'p-1', 'u1']);
  });

  it('parseKeyLines reads back what KeyLines wrote, hostile text included', () => {
    const hostile = 'tab\t nl\n cr\r bs\\ \\t \\N é 𝄞';
    const lines = new KeyLines();
    lines.add(hostile, ['n\\', hostile, 'x', '1']);
    lines.add(hostile, ['q"', hostile.toUpperCase()]);
    expect(parseKeyLines(lines.text())).toEqual([
      { sagaId: hostile, name: 'n\\', value: hostile.toLowerCase() }, { sagaId: hostile, name: 'q"', value: hostile.toLowerCase() },
      { sagaId: hostile, name: 'x', value: '1' },
    ]);
    expect(parseKeyLines(Buffer.from(lines.text(), 'utf8'))).toEqual(parseKeyLines(lines.text()));
  });

  it('distinctKeys: keys of two sources as one list, each once, sorted', () => {
    const k = (sagaId: string, name: string, value: string) => ({ sagaId, name, value });
    expect(distinctKeys([k('b', 'x', '1'), k('a', 'y', '2'), k('b', 'x', '1'), k('a', 'y', 'Y'), k('a', 'y', 'y')])).toEqual([
      k('a', 'y', '2'), k('a', 'y', 'y'), k('b', 'x', '1'),
    ]);
  });

  it('one line per value of a saga, naming every name it came under, however its spans carry them', () => {
    const w = keyWritesOfRows([
      row('s', 'order.id', 'ORD-1', 'user.id', 'u1'), row('s', 'order_id', 'ord-1'), row('s', 'order.id', 'Ord-1', 'payment.id', 'P-1'),
    ], new Set(['s']));
    expect(w.copyText).toBe('s\t{"order.id","order_id"}\tord-1\ns\t{"user.id"}\tu1\ns\t{"payment.id"}\tp-1\n');
    expect(w.copyRows()).toEqual([
      { sagaId: 's', name: 'order.id', value: 'ord-1' }, { sagaId: 's', name: 'order_id', value: 'ord-1' },
      { sagaId: 's', name: 'payment.id', value: 'p-1' }, { sagaId: 's', name: 'user.id', value: 'u1' },
    ]);
  });

  it(`a value under more than ${MAX_NAMES_PER_ROW} names goes on more lines, none longer, every name kept`, () => {
    const names = Array.from({ length: 2 * MAX_NAMES_PER_ROW + 5 }, (_, i) => `n${i}`);
    const w = keyWritesOfRows(names.map((n) => row('s', n, 'V', 'other', `v-${n}`)), new Set(['s']));
    const lines = w.copyText.split('\n').filter((l) => l.endsWith('\tv'));
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split('","').length)).toEqual([MAX_NAMES_PER_ROW, MAX_NAMES_PER_ROW, 5]);
    expect(w.copyRows().filter((k) => k.value === 'v').map((k) => k.name).sort()).toEqual([...names].sort());
    // The other values, one each, past the short scan of a saga's values too.
    expect(w.copyRows().filter((k) => k.value !== 'v')).toHaveLength(names.length);
  });

  it('keysOfRows: every key once, in (saga, name, value) order', () => {
    expect(keysOfRows([row('b', 'x', '1'), row('a', 'y', '2', 'x', '3'), row('b', 'x', '1')])).toEqual([
      { sagaId: 'a', name: 'x', value: '3' }, { sagaId: 'a', name: 'y', value: '2' }, { sagaId: 'b', name: 'x', value: '1' },
    ]);
  });
});
