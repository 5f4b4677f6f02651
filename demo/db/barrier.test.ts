import { describe, it, expect } from 'vitest';
import { compensationDecision, forwardDecision, originOf, throughBarrier, ROLLBACK_MARKER, type BarrierCall } from './barrier';
import type { Queryable } from './sql';

describe('barrier decisions', () => {
  it('forward calls: new row runs, a re-send is a duplicate, the rollback marker rejects', () => {
    expect(forwardDecision(true, null)).toBe('executed');
    expect(forwardDecision(false, 'action')).toBe('duplicate');
    expect(forwardDecision(false, 'try')).toBe('duplicate');
    expect(forwardDecision(false, ROLLBACK_MARKER)).toBe('rejected');
  });

  it('compensations: a re-send is a duplicate, no prior action is a null compensation', () => {
    expect(compensationDecision(false, true)).toBe('executed');
    expect(compensationDecision(true, true)).toBe('null_compensation');
    expect(compensationDecision(false, false)).toBe('duplicate');
    expect(compensationDecision(true, false)).toBe('duplicate');
  });

  it('knows what each compensation undoes', () => {
    expect(originOf('compensate')).toBe('action');
    expect(originOf('cancel')).toBe('try');
    expect(originOf('action')).toBeNull();
    expect(originOf('confirm')).toBeNull();
  });
});

/** The barrier table as a set of unique (gid, branch_id, op) keys, enough for its SQL. */
function fakeTx(): Queryable & { rows: Map<string, string> } {
  const rows = new Map<string, string>();
  return {
    rows,
    async query<R>(text: string, params: readonly unknown[] = []) {
      const [a, b, c, d, e] = params as string[];
      if (text.includes('INSERT INTO barrier')) {
        const key = `${b}/${c}/${d}`;
        if (rows.has(key)) return { rows: [] as R[], rowCount: 0 };
        rows.set(key, e);
        return { rows: [] as R[], rowCount: 1 };
      }
      const reason = rows.get(`${a}/${b}/${c}`);
      return { rows: (reason === undefined ? [] : [{ reason }]) as R[], rowCount: reason === undefined ? 0 : 1 };
    },
  };
}

describe('throughBarrier', () => {
  const call = (op: BarrierCall['op'], branchId = '01'): BarrierCall => ({ transType: 'saga', gid: 'g', branchId, op });

  it('runs the business change once per (gid, branch, op)', async () => {
    const tx = fakeTx();
    let runs = 0;
    const business = async () => ++runs;
    expect(await throughBarrier(tx, call('action'), business)).toEqual({ outcome: 'executed', value: 1 });
    expect(await throughBarrier(tx, call('action'), business)).toEqual({ outcome: 'duplicate', value: null });
    expect(await throughBarrier(tx, call('compensate'), business)).toEqual({ outcome: 'executed', value: 2 });
    expect(await throughBarrier(tx, call('compensate'), business)).toEqual({ outcome: 'duplicate', value: null });
    expect(runs).toBe(2);
  });

  it('records a null compensation, then refuses the hanging action', async () => {
    const tx = fakeTx();
    let runs = 0;
    const business = async () => ++runs;
    expect((await throughBarrier(tx, call('cancel'), business)).outcome).toBe('null_compensation');
    expect(tx.rows.get('g/01/try')).toBe(ROLLBACK_MARKER);
    expect((await throughBarrier(tx, call('try'), business)).outcome).toBe('rejected');
    expect(runs).toBe(0);
  });

  it('keeps branches apart', async () => {
    const tx = fakeTx();
    expect((await throughBarrier(tx, call('action', '01'), async () => 1)).outcome).toBe('executed');
    expect((await throughBarrier(tx, call('action', '02'), async () => 1)).outcome).toBe('executed');
  });
});
