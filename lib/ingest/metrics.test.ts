import { describe, expect, it } from 'vitest';
import { IngestMetrics } from './metrics';

describe('/metrics: decode budgets and batch splits', () => {
  it('counts refusals by budget, every budget listed from zero', () => {
    const m = new IngestMetrics();
    m.countBudgetExceeded('list_values');
    m.countBudgetExceeded('list_values');
    m.countBudgetExceeded('depth', 3);
    m.batchSplits = 2;
    m.decodeQueue = () => 4;
    const text = m.render();
    expect(text).toMatch(/^sagascope_decode_budget_exceeded_total\{budget="list_values"\} 2$/m);
    expect(text).toMatch(/^sagascope_decode_budget_exceeded_total\{budget="depth"\} 3$/m);
    for (const b of ['bytes', 'spans', 'values']) expect(text).toMatch(new RegExp(`^sagascope_decode_budget_exceeded_total\\{budget="${b}"\\} 0$`, 'm'));
    expect(text).toMatch(/^sagascope_ingest_batch_splits_total 2$/m);
    expect(text).toMatch(/^sagascope_decode_queue_requests 4$/m);
  });
});
