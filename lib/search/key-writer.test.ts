import { describe, expect, it } from 'vitest';
import { distinctKeys, keysOfRows, keyWritesOfRows } from './key-writer';

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
