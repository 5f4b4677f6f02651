import { describe, it, expect } from 'vitest';
import { branchCallOf } from './server';
import { sagaAttributes, sagaCallFromHeaders, sagaHeaders, type SagaCall } from '../telemetry/saga-context';

const call: SagaCall = {
  gid: 'checkout-1', name: 'checkout', protocol: 'saga', step: 'reserve-inventory', stepIndex: 2, branchId: '02', op: 'action', attempt: 3,
};

describe('saga context headers', () => {
  it('round-trip, and give the saga.* attributes of either side', () => {
    const back = sagaCallFromHeaders(sagaHeaders(call));
    expect(back).toEqual(call);
    expect(sagaAttributes(back!, 'participant')).toEqual({
      'saga.id': 'checkout-1', 'saga.name': 'checkout', 'saga.protocol': 'saga', 'saga.role': 'participant',
      'saga.step': 'reserve-inventory', 'saga.step.index': 2, 'saga.branch_id': '02', 'saga.op': 'action', 'saga.attempt': 3,
    });
  });

  it('are read whatever the case of their names (outgoing options)', () => {
    const upper = Object.fromEntries(Object.entries(sagaHeaders(call)).map(([k, v]) => [k.toUpperCase(), v]));
    expect(sagaCallFromHeaders(upper)).toEqual(call);
  });

  it('are ignored when absent or malformed', () => {
    expect(sagaCallFromHeaders({})).toBeNull();
    expect(sagaCallFromHeaders({ ...sagaHeaders(call), 'x-saga-op': 'explode' })).toBeNull();
    expect(sagaCallFromHeaders({ ...sagaHeaders(call), 'x-saga-attempt': '0' })).toBeNull();
  });
});

describe('branchCallOf', () => {
  it('reads DTM query parameters', () => {
    const q = new URLSearchParams({ gid: 'refund-1', trans_type: 'saga', branch_id: '02', op: 'compensate' });
    expect(branchCallOf(q, null)).toEqual({ gid: 'refund-1', branchId: '02', transType: 'saga', op: 'compensate' });
  });

  it('falls back to the instrumented caller’s headers', () => {
    expect(branchCallOf(new URLSearchParams(), call)).toEqual({ gid: 'checkout-1', branchId: '02', transType: 'saga', op: 'action' });
  });

  it('refuses calls that do not say which branch they are', () => {
    expect(branchCallOf(new URLSearchParams(), null)).toBeNull();
    expect(branchCallOf(new URLSearchParams({ gid: 'x', trans_type: 'workflow', branch_id: '01', op: 'action' }), null)).toBeNull();
    expect(branchCallOf(new URLSearchParams({ gid: 'x', trans_type: 'xa', branch_id: '01', op: 'teleport' }), null)).toBeNull();
    expect(branchCallOf(new URLSearchParams({ gid: 'x y', trans_type: 'saga', branch_id: '01', op: 'action' }), null)).toBeNull();
  });
});
