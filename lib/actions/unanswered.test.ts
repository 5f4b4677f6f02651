import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/types';
import { attemptSlot, unansweredCalls } from './unanswered';

let seq = 0;
function entry(over: Partial<AuditEntry>): AuditEntry {
  seq++;
  return {
    id: String(seq), seq, at: '', actor: 'a', role: 'operator', via: 'token', action: 'saga.compensate', sagaId: 's', step: 'stock',
    request: null, result: null, outcome: 'intent', reason: null, ref: null, prevHash: '', hash: '', ...over,
  };
}
const intent = (attempt: number, key: string, op = 'compensate') => entry({ request: { op, attempt, idempotencyKey: key } });
const outcome = (of: AuditEntry, outcome: string, reason: string | null) =>
  entry({ ref: of.seq, outcome, result: { httpStatus: null, refusal: reason ? { reason, message: 'x' } : null } });

describe('unansweredCalls', () => {
  it('a timeout, a lost connection and a missing outcome leave the call unanswered; an HTTP answer or a policy refusal settles it', () => {
    const timedOut = intent(1, 'k1');
    const lost = intent(2, 'k2', 'action');
    const crashed = intent(3, 'k3');
    const answered = intent(4, 'k4');
    const refused = intent(5, 'k5');
    const trail = [timedOut, outcome(timedOut, 'failed', 'timeout'), lost, outcome(lost, 'failed', 'network'), crashed, answered, outcome(answered, 'failed', null), refused, outcome(refused, 'refused', 'redirect')];
    expect(unansweredCalls(trail)).toEqual(
      new Map([
        [attemptSlot('stock', 'compensate', 1), 'k1'],
        [attemptSlot('stock', 'action', 2), 'k2'],
        [attemptSlot('stock', 'compensate', 3), 'k3'],
      ]),
    );
  });

  it('ignores batch entries and entries that are not action calls', () => {
    const batch = entry({ action: 'saga.batch.compensate', step: null, request: { filter: {} } });
    const other = entry({ action: 'export', step: null });
    expect(unansweredCalls([batch, other]).size).toBe(0);
  });
});
