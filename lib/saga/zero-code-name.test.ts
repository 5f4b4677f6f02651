import { describe, expect, it } from 'vitest';
import { normaliseRoute, sagaName } from './zero-code-name';
import { buildStepModel } from './steps';
import { canonicalize } from './spans';
import { sagaSpans } from '../../test/support/saga-fixtures';

const groupsOf = (b: ReturnType<typeof sagaSpans>) => {
  const c = canonicalize(b.build());
  return buildStepModel(c.spans, c.parentIndex).groups;
};

describe('normaliseRoute', () => {
  it.each([
    ['/api/busi/TransOut', '/api/busi/TransOut'],
    ['/api/orders/12345/pay', '/api/orders/:id/pay'],
    ['/api/orders/3f2b8c1e-9a7d-4c2e-8f1a-0b6c5d4e3f21/refund/', '/api/orders/:id/refund'],
    ['/api/tx/00a1b2c3d4e5f60718293a4b', '/api/tx/:id'],
    ['/api/v2/deadbeef', '/api/v2/deadbeef'],
    ['/', '/'],
  ])('%s → %s', (path, expected) => {
    expect(normaliseRoute(path)).toBe(expected);
  });
});

describe('sagaName', () => {
  const zeroCode = () => sagaSpans({ zeroCode: true, sagaName: null, role: null });

  it('skips the check-back of a message and compensations for the first forward branch', () => {
    const b = zeroCode()
      .dtm('msg', '00', '/api/busi/QueryPrepared', { at: 0 })
      .dtm('compensate', '01', '/api/busi/TransOutRevert', { at: 5, protocol: 'msg' })
      .dtm('action', '02', '/api/busi/TransIn', { at: 10 });
    expect(sagaName('g', null, groupsOf(b), true, 'msg')).toBe('/api/busi/TransIn');
  });

  it('falls back to any branch, then to the protocol', () => {
    expect(sagaName('g', null, groupsOf(zeroCode().dtm('compensate', '01', '/api/busi/TransOutRevert', { at: 5 })), true, 'saga')).toBe('/api/busi/TransOutRevert');
    expect(sagaName('g', null, [], true, 'tcc')).toBe('dtm tcc');
  });

  it('leaves an instrumented saga without saga.name unnamed unless a gid rule matches', () => {
    const groups = groupsOf(sagaSpans({ sagaName: null }).action('reserve', { at: 0 }));
    expect(sagaName('order-1', null, groups, false, 'saga')).toBeNull();
    expect(sagaName('order-1', null, groups, false, 'saga', [{ name: 'route only', gid: null, routePrefix: '/' }])).toBeNull();
    expect(sagaName('order-1', null, groups, false, 'saga', [{ name: 'orders', gid: /^order-/, routePrefix: null }])).toBe('orders');
  });

  it('needs both parts of a rule that has both', () => {
    const groups = groupsOf(zeroCode().dtm('action', '01', '/api/busi/TransOut', { at: 0 }));
    const rule = { name: 'transfer', gid: /^t-/, routePrefix: '/api/busi/' };
    expect(sagaName('t-1', null, groups, true, 'saga', [rule])).toBe('transfer');
    expect(sagaName('x-1', null, groups, true, 'saga', [rule])).toBe('/api/busi/TransOut');
  });
});
