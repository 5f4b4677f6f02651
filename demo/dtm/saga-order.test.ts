import { describe, expect, it } from 'vitest';
import type { BranchStatus } from './protocol';
import { parseSagaCustom, pickActions, pickCompensates, prepareToCompensate, type SagaSlot } from './saga-order';

/** Slots of a saga with `actions` statuses per step (compensations prepared unless given). */
function slots(actions: BranchStatus[], comps: BranchStatus[] = []): SagaSlot[] {
  return actions.flatMap((a, i) => [
    { op: 'compensate' as const, status: comps[i] ?? 'prepared', started: false },
    { op: 'action' as const, status: a, started: false },
  ]);
}
const sequential = parseSagaCustom('');
const concurrent = parseSagaCustom('{"orders":{},"concurrent":true}');

describe('saga order (trans_type_saga.go)', () => {
  it('sequential: one action at a time, in definition order', () => {
    expect(pickActions(slots(['prepared', 'prepared', 'prepared']), sequential)).toEqual([1]);
    expect(pickActions(slots(['succeed', 'prepared', 'prepared']), sequential)).toEqual([3]);
    expect(pickActions(slots(['succeed', 'succeed', 'failed']), sequential)).toEqual([]);
  });

  it('concurrent: every action at once, unless `orders` says one waits for another', () => {
    expect(pickActions(slots(['prepared', 'prepared', 'prepared']), concurrent)).toEqual([1, 3, 5]);
    const ordered = parseSagaCustom('{"orders":{"2":[0,1]},"concurrent":true}');
    expect(pickActions(slots(['prepared', 'prepared', 'prepared']), ordered)).toEqual([1, 3]);
    expect(pickActions(slots(['succeed', 'succeed', 'prepared']), ordered)).toEqual([5]);
  });

  it('sequential rollback: the failed branch first, then backwards, each waiting for the one after it', () => {
    const s = slots(['succeed', 'succeed', 'failed']);
    expect(prepareToCompensate(s, sequential)).toBe(3);
    expect(pickCompensates(s, sequential)).toEqual([4]);
    s[4].status = 'succeed';
    expect(pickCompensates(s, sequential)).toEqual([2]);
    s[2].status = 'succeed';
    expect(pickCompensates(s, sequential)).toEqual([0]);
  });

  it('a step whose action never ran is not compensated', () => {
    const s = slots(['succeed', 'failed', 'prepared']);
    expect(prepareToCompensate(s, sequential)).toBe(2);
    expect(pickCompensates(s, sequential)).toEqual([2]);
  });

  it('concurrent rollback: every compensation at once, `orders` reversed', () => {
    const s = slots(['succeed', 'failed', 'succeed']);
    prepareToCompensate(s, concurrent);
    expect(pickCompensates(s, concurrent)).toEqual([4, 2, 0]);
    const ordered = parseSagaCustom('{"orders":{"1":[0]},"concurrent":true}');
    const o = slots(['succeed', 'failed', 'succeed']);
    prepareToCompensate(o, ordered);
    // Step 0 is undone only after step 1 (which depended on it).
    expect(pickCompensates(o, ordered)).toEqual([4, 2]);
  });

  it('an action started but unanswered when the saga aborts may have run: it is compensated too', () => {
    const s = slots(['succeed', 'prepared', 'failed']);
    s[3].started = true;
    expect(prepareToCompensate(s, concurrent)).toBe(3);
    expect(s[3].status).toBe('succeed');
  });
});
