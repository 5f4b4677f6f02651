import { describe, expect, it } from 'vitest';
import { distinctKeys, KeyLines, keysOfRows, keyWritesOfRows, parseKeyLines } from './key-writer';
import type { CopyBlock } from '../ingest/span-row';

/** A block as a decode worker leaves it, holding only key lines (lib/ingest/copy-block.ts). */
function keyBlock(...sagas: [string, ...string[]][]): CopyBlock {
  const lines = new KeyLines();
  for (const [sagaId, ...keys] of sagas) lines.add(sagaId, keys);
  const ids = [...new Set(sagas.map(([id]) => id))];
  const texts = ids.map((id) => Buffer.from(lines.take(id), 'utf8'));
  const keyStarts = new Uint32Array(texts.length + 1);
  texts.forEach((t, i) => (keyStarts[i + 1] = keyStarts[i]! + t.length));
  return {
    bytes: Buffer.concat(texts), starts: new Uint32Array(1), sagaAt: new Uint32Array(0), resources: new Map(),
    keyAt: new Map(ids.map((id, i) => [id, i])), keyStarts,
  };
}
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
    expect(w.copyText).toBe('new-1\torder.id\tORD-1\nnew-1\tuser.id\tu1\n');
    expect(w.copyBytes).toEqual([]);
    expect(w.copyRows()).toEqual([{ sagaId: 'new-1', name: 'order.id', value: 'ORD-1' }, { sagaId: 'new-1', name: 'user.id', value: 'u1' }]);
    expect(w.upsert).toEqual([
      { sagaId: 'old-1', name: 'order.id', value: 'ORD-0' }, { sagaId: 'old-1', name: 'user.id', value: 'u9' },
      { sagaId: 'old-2', name: 'order.id', value: 'ORD-2' },
    ]);
  });

  it('escapes tabs, newlines and backslashes for COPY', () => {
    const w = keyWritesOfRows([row('s\t1', 'a\\b', 'line\nbreak')], new Set(['s\t1']));
    expect(w.copyText).toBe('s\\t1\ta\\\\b\tline\\nbreak\n');
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
      { sagaId: 'new-1', keys: null, block: a }, { sagaId: 'new-1', keys: null, block: a },
      { sagaId: 'old-1', keys: null, block: a },
      { sagaId: 'new-2', keys: null, block: a }, // inherited its saga: no lines of new-2 in the block, nothing written
    ];
    const w = keyWritesOfRows(rows, new Set(['new-1', 'new-2']));
    expect(w.copyText).toBe('');
    expect(text(w.copyBytes)).toBe('new-1\torder.id\tORD-1\nnew-1\tuser.id\tu1\n');
    expect(w.copyRows()).toEqual([{ sagaId: 'new-1', name: 'order.id', value: 'ORD-1' }, { sagaId: 'new-1', name: 'user.id', value: 'u1' }]);
    expect(w.upsert).toEqual([{ sagaId: 'old-1', name: 'order.id', value: 'ORD-0' }]);
  });

  it('stored sagas\' keys from blocks go to the insert, parsed back from their lines', () => {
    const a = keyBlock(['old', 'order.id', 'ORD-1', 'note', 'tab\there']);
    const b = keyBlock(['old', 'order.id', 'ORD-1']);
    const w = keyWritesOfRows([{ sagaId: 'old', keys: null, block: a }, { sagaId: 'old', keys: null, block: b }], new Set());
    expect(w.copyText).toBe('');
    expect(w.upsert).toEqual([{ sagaId: 'old', name: 'note', value: 'tab\there' }, { sagaId: 'old', name: 'order.id', value: 'ORD-1' }]);
  });

  it('merges a new saga\'s keys from several blocks and from rows, each pair once', () => {
    const a = keyBlock(['s', 'order.id', 'ORD-1', 'note', 'tab\there']);
    const b = keyBlock(['s', 'order.id', 'ORD-1', 'payment.id', 'P-1']);
    const w = keyWritesOfRows([
      { sagaId: 's', keys: null, block: a }, { sagaId: 's', keys: null, block: b },
      { sagaId: 's', keys: ['order.id', 'ORD-1', 'user.id', 'u1'] }, // a row that inherited s, its keys on the row
    ], new Set(['s']));
    expect(w.copyBytes).toEqual([]);
    expect(w.copyText.split('\n').filter(Boolean).sort()).toEqual([
      's\tnote\ttab\\there', 's\torder.id\tORD-1', 's\tpayment.id\tP-1', 's\tuser.id\tu1',
    ]);
    expect(w.copyRows().map((k) => k.value)).toEqual(['tab\there', 'ORD-1', 'P-1', 'u1']);
  });

  it('parseKeyLines reads back what KeyLines wrote, hostile text included', () => {
    const hostile = 'tab\t nl\n cr\r bs\\ \\t \\N é 𝄞';
    const lines = new KeyLines();
    lines.add(hostile, ['n\\', hostile, 'x', '1']);
    expect(parseKeyLines(lines.text())).toEqual([{ sagaId: hostile, name: 'n\\', value: hostile }, { sagaId: hostile, name: 'x', value: '1' }]);
    expect(parseKeyLines(Buffer.from(lines.text(), 'utf8'))).toEqual(parseKeyLines(lines.text()));
  });

  it('distinctKeys: keys of two sources as one list, each once, sorted', () => {
    const k = (sagaId: string, name: string, value: string) => ({ sagaId, name, value });
    expect(distinctKeys([k('b', 'x', '1'), k('a', 'y', '2'), k('b', 'x', '1'), k('a', 'y', 'Y')])).toEqual([
      k('a', 'y', '2'), k('a', 'y', 'Y'), k('b', 'x', '1'),
    ]);
  });

  it('keysOfRows: every key once, in (saga, name, value) order', () => {
    expect(keysOfRows([row('b', 'x', '1'), row('a', 'y', '2', 'x', '3'), row('b', 'x', '1')])).toEqual([
      { sagaId: 'a', name: 'x', value: '3' }, { sagaId: 'a', name: 'y', value: '2' }, { sagaId: 'b', name: 'x', value: '1' },
    ]);
  });
});
