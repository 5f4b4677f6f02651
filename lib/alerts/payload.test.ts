import { describe, expect, it } from 'vitest';
import { webhookBody } from './payload';

const delivery = {
  id: '17',
  sagaId: 'order/42 ü',
  createdAt: new Date('2026-11-21T10:00:00.000Z'),
  attempt: 2,
  rule: { id: 'r1', name: 'failures', kind: 'status' },
  payload: { event: 'saga.failed', rule: { id: 'r1', name: 'old name', kind: 'status' }, saga: { id: 'order/42 ü' }, matched: ['failed'] },
};

describe('webhook body', () => {
  it('carries the delivery id, the event, the current rule and an escaped link', () => {
    expect(webhookBody(delivery, 'https://sagascope.example.com/')).toEqual({
      id: '17',
      event: 'saga.failed',
      createdAt: '2026-11-21T10:00:00.000Z',
      attempt: 2,
      rule: { id: 'r1', name: 'failures', kind: 'status' },
      saga: { id: 'order/42 ü' },
      matched: ['failed'],
      link: 'https://sagascope.example.com/sagas/order%2F42%20%C3%BC',
    });
  });

  it('has no link without a public URL; rate alerts link to the failed sagas', () => {
    expect(webhookBody(delivery, undefined).link).toBeNull();
    const rate = { ...delivery, sagaId: null, payload: { event: 'failure_rate.firing', rate: { sagaName: 'check out' } } };
    expect(webhookBody(rate, 'http://ui:3000').link).toBe('http://ui:3000/sagas?name=check%20out&status=failed');
  });
});
