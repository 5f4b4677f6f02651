import { describe, expect, it } from 'vitest';
import { anomalyKinds } from './anomalies';
import { sagaAfter, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import type { Anomaly, AnomalyKind, Op, Saga } from './types';
import { ANOMALY_KINDS } from './types';

function only(saga: Saga, kind: AnomalyKind): Anomaly[] {
  return saga.anomalies.filter((a) => a.kind === kind);
}

const spanIdOf = (saga: Saga, step: string, op: Op, attempt = 1): string => {
  const found = saga.steps.find((s) => s.step === step && s.op === op && s.attempt === attempt);
  if (!found) throw new Error(`no entry ${step} ${op} ${attempt}`);
  return found.spanId;
};

describe('clean runs have no anomaly', () => {
  it.each([
    ['saga committed', scenario()],
    ['saga compensated', scenario({ failAt: 'ship' })],
    ['tcc committed', scenario({ protocol: 'tcc' })],
    ['tcc compensated', scenario({ protocol: 'tcc', failAt: 'charge' })],
    ['zero-code saga compensated', scenario({ zeroCode: true, failAt: 'ship' })],
    ['both sides instrumented', scenario({ bothSides: true, failAt: 'ship' })],
  ])('%s', (_name, spans) => {
    expect(sagaAfter(spans).anomalies).toEqual([]);
  });
});

describe.each(['saga', 'tcc'] as const)('anomalies, protocol %s', (protocol) => {
  const first: Op = protocol === 'tcc' ? 'try' : 'action';
  const undo: Op = protocol === 'tcc' ? 'cancel' : 'compensate';
  const b = () => sagaSpans({ protocol, steps: ['a', 'b', 'c'] }).root({ at: 0, dur: 10_000 });

  describe('missing_compensation', () => {
    it('is raised for each succeeded step left uncompensated once the saga failed, with evidence', () => {
      const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: [] }));
      expect(saga.status).toBe('failed');
      const found = only(saga, 'missing_compensation');
      expect(found.map((a) => [a.step, a.severity])).toEqual([
        ['charge', 'error'],
        ['reserve', 'error'],
      ]);
      expect(found[1].spanIds).toEqual([spanIdOf(saga, 'reserve', first)]);
      expect(found[1].message).toContain('"reserve"');
      expect(found[1].message).toContain('reserve-svc');
    });

    it('lists the failed compensation attempts as evidence', () => {
      const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['charge', 'reserve'], failCompensation: ['reserve'] }));
      const [missing] = only(saga, 'missing_compensation');
      expect(missing.step).toBe('reserve');
      expect(missing.spanIds).toEqual([spanIdOf(saga, 'reserve', first), spanIdOf(saga, 'reserve', undo)]);
    });

    it('is not raised while compensation may still complete, only announced in next', () => {
      const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: [], coordinator: 'open' }));
      expect(only(saga, 'missing_compensation')).toEqual([]);
      expect(saga.next?.anomalies).toContain('missing_compensation');
    });

    it('is not raised for a step whose forward op failed', () => {
      const saga = sagaAfter(scenario({ protocol, failAt: 'reserve', compensate: [] }));
      expect(only(saga, 'missing_compensation')).toEqual([]);
    });
  });

  it.runIf(protocol === 'tcc')('compensation_out_of_order: TCC cancels may run in any order', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['reserve', 'charge'] }));
    expect(saga.status).toBe('compensated');
    expect(only(saga, 'compensation_out_of_order')).toEqual([]);
  });

  describe.runIf(protocol === 'saga')('compensation_out_of_order', () => {
    it('is raised when a lower step is compensated before a higher one', () => {
      const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['reserve', 'charge'] }));
      expect(saga.status).toBe('compensated');
      const found = only(saga, 'compensation_out_of_order');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'warning', step: 'reserve' });
      expect(found[0].spanIds).toEqual([spanIdOf(saga, 'reserve', undo), spanIdOf(saga, 'charge', undo)]);
      expect(found[0].message).toMatch(/"reserve".*"charge"/);
    });

    it('names only the misplaced step in a longer chain', () => {
      // index order a(1) b(2) c(3); compensated b, c, a: only b went too early.
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20 })
        .op(first, 'c', { at: 30 })
        .op(first, 'x', { at: 40, fail: true, index: 4 })
        .op(undo, 'b', { at: 50 })
        .op(undo, 'c', { at: 60 })
        .op(undo, 'a', { at: 70 })
        .build();
      expect(only(sagaAfter(spans), 'compensation_out_of_order').map((a) => a.step)).toEqual(['b']);
    });

    it('treats a tie in start time as out of order (the higher step must start first)', () => {
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20 })
        .op(first, 'c', { at: 30, fail: true })
        .op(undo, 'b', { at: 50 })
        .op(undo, 'a', { at: 50 })
        .build();
      expect(only(sagaAfter(spans), 'compensation_out_of_order')).toHaveLength(1);
    });

    it('does not order steps whose forward ops overlapped (a concurrent saga), whatever their indexes', () => {
      // p and q ran at the same time; c after both.
      const spans = b()
        .op(first, 'p', { at: 10, dur: 30, index: 1 })
        .op(first, 'q', { at: 20, dur: 30, index: 2 })
        .op(first, 'c', { at: 60, fail: true, index: 3 })
        .op(undo, 'p', { at: 80 })
        .op(undo, 'q', { at: 90 })
        .build();
      const saga = sagaAfter(spans);
      expect(saga.status).toBe('compensated');
      expect(only(saga, 'compensation_out_of_order')).toEqual([]);
    });

    it('orders a step that ran after overlapping ones before each of them', () => {
      const spans = b()
        .op(first, 'p', { at: 10, dur: 30, index: 1 })
        .op(first, 'q', { at: 20, dur: 30, index: 2 })
        .op(first, 'r', { at: 60, dur: 10, index: 3 })
        .op(first, 'x', { at: 80, fail: true, index: 4 })
        .op(undo, 'q', { at: 100 })
        .op(undo, 'r', { at: 110 })
        .op(undo, 'p', { at: 120 })
        .build();
      const found = only(sagaAfter(spans), 'compensation_out_of_order');
      // p and q overlapped (any order between them); both ended before r started, so r had to be undone
      // before each: p was, q was not.
      expect(found.map((a) => a.step)).toEqual(['q']);
      expect(found[0].message).toMatch(/"q".*"r"/);
    });

    it('does not order steps that share an index (parallel branches)', () => {
      const spans = b()
        .op(first, 'p', { at: 10, index: 1 })
        .op(first, 'q', { at: 10, index: 1 })
        .op(first, 'c', { at: 30, fail: true })
        .op(undo, 'p', { at: 50 })
        .op(undo, 'q', { at: 60 })
        .build();
      const saga = sagaAfter(spans);
      expect(saga.status).toBe('compensated');
      expect(only(saga, 'compensation_out_of_order')).toEqual([]);
    });

    it('ignores failed compensation attempts when judging the order', () => {
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20 })
        .op(first, 'c', { at: 30, fail: true })
        .op(undo, 'a', { at: 40, fail: true })
        .op(undo, 'b', { at: 50 })
        .op(undo, 'a', { at: 60 })
        .build();
      const saga = sagaAfter(spans);
      expect(saga.status).toBe('compensated');
      expect(only(saga, 'compensation_out_of_order')).toEqual([]);
    });
  });

  describe('compensation_failed', () => {
    it('is raised when the final compensation attempt failed, with the failed attempts as evidence', () => {
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20, fail: true })
        .op(undo, 'a', { at: 30, fail: 'timeout' })
        .op(undo, 'a', { at: 40, fail: 'refund service down' })
        .build();
      const saga = sagaAfter(spans);
      const found = only(saga, 'compensation_failed');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'error', step: 'a' });
      expect(found[0].spanIds).toEqual([spanIdOf(saga, 'a', undo, 1), spanIdOf(saga, 'a', undo, 2)]);
      expect(found[0].message).toContain('refund service down');
      expect(found[0].message).toContain('a-svc');
    });

    it('is not raised when a later attempt succeeded', () => {
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20, fail: true })
        .op(undo, 'a', { at: 30, fail: true })
        .op(undo, 'a', { at: 40 })
        .build();
      expect(only(sagaAfter(spans), 'compensation_failed')).toEqual([]);
    });
  });

  describe('null_compensation', () => {
    it('is a warning when a step is compensated although it never ran', () => {
      const spans = b().op(first, 'a', { at: 10, fail: true }).op(undo, 'b', { at: 30 }).op(undo, 'a', { at: 40 }).build();
      const saga = sagaAfter(spans);
      const found = only(saga, 'null_compensation');
      expect(found).toEqual([
        expect.objectContaining({ severity: 'warning', step: 'b', spanIds: [spanIdOf(saga, 'b', undo)] }),
      ]);
      expect(found[0].message).toContain('"b"');
    });

    it('is informational when the barrier recorded a no-op (result skipped)', () => {
      const spans = b().op(first, 'a', { at: 10, fail: true }).op(undo, 'b', { at: 30, result: 'skipped' }).build();
      const saga = sagaAfter(spans);
      expect(only(saga, 'null_compensation').map((a) => a.severity)).toEqual(['info']);
      expect(saga.steps.find((s) => s.step === 'b')?.result).toBe('skipped');
    });

    it('is not raised when the forward op ran, even if it failed', () => {
      const spans = b().op(first, 'a', { at: 10, fail: true }).op(undo, 'a', { at: 30 }).build();
      expect(only(sagaAfter(spans), 'null_compensation')).toEqual([]);
    });
  });

  describe('hanging_action', () => {
    it('is an error when the forward op ran after its compensation started', () => {
      const spans = b()
        .op(first, 'a', { at: 10, fail: true })
        .op(undo, 'b', { at: 20, dur: 50 })
        .op(first, 'b', { at: 40 })
        .build();
      const saga = sagaAfter(spans);
      const found = only(saga, 'hanging_action');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'error', step: 'b' });
      expect(found[0].spanIds).toEqual([spanIdOf(saga, 'b', first), spanIdOf(saga, 'b', undo)]);
    });

    it('is informational when the barrier rejected the late action', () => {
      const spans = b()
        .op(first, 'a', { at: 10, fail: true })
        .op(undo, 'b', { at: 20, result: 'skipped' })
        .op(first, 'b', { at: 40, result: 'rejected' })
        .build();
      const saga = sagaAfter(spans);
      expect(only(saga, 'hanging_action').map((a) => a.severity)).toEqual(['info']);
      expect(saga.status).toBe('compensated');
    });

    it('is not raised when the forward op started first, or only at the same instant', () => {
      const spans = b()
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 20, fail: true })
        .op(undo, 'b', { at: 20 })
        .op(undo, 'a', { at: 40 })
        .build();
      expect(only(sagaAfter(spans), 'hanging_action')).toEqual([]);
    });
  });

  describe('duplicate_execution', () => {
    it('is raised when two participant executions of one step+op both succeeded', () => {
      const spans = b()
        .op(first, 'a', { at: 10, attempt: 1 })
        .op(first, 'a', { at: 20, attempt: 2, service: 'a-svc-2' })
        .build();
      const saga = sagaAfter(spans);
      const found = only(saga, 'duplicate_execution');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'error', step: 'a' });
      expect(found[0].spanIds).toEqual([spanIdOf(saga, 'a', first, 1), spanIdOf(saga, 'a', first, 2)]);
      expect(found[0].message).toContain('a-svc, a-svc-2');
    });

    it('is raised for two successes claiming the same attempt; the earlier is the entry', () => {
      const spans = b()
        .op(first, 'a', { at: 10, attempt: 1, spanId: 'e000000000000001' })
        .op(first, 'a', { at: 20, attempt: 1, spanId: 'e000000000000002' })
        .build();
      const saga = sagaAfter(spans);
      expect(saga.steps.filter((s) => s.op === first).map((s) => s.spanId)).toEqual(['e000000000000001']);
      expect(only(saga, 'duplicate_execution')[0].spanIds).toEqual(['e000000000000001', 'e000000000000002']);
    });

    it('is raised for compensations too', () => {
      const spans = b().op(first, 'a', { at: 10 }).op(first, 'b', { at: 20, fail: true }).op(undo, 'a', { at: 30 }).op(undo, 'a', { at: 40 }).build();
      expect(only(sagaAfter(spans), 'duplicate_execution').map((a) => a.step)).toEqual(['a']);
    });

    it('is not raised for the coordinator and participant sides of one call', () => {
      const spans = sagaSpans({ protocol, steps: ['a'] }).root({ at: 0, dur: 100 }).call(first, 'a', { at: 10 }).build();
      const saga = sagaAfter(spans);
      expect(saga.steps).toHaveLength(1);
      expect(only(saga, 'duplicate_execution')).toEqual([]);
    });

    it('is not raised for a span nested in the participant span of the same call', () => {
      const outer = sagaSpans({ protocol, steps: ['a'] }).root({ at: 0, dur: 100 }).op(first, 'a', { at: 10, dur: 30, role: null, spanId: 'f000000000000001' });
      const spans = outer.plain({ at: 12, parent: 'f000000000000001' }).op(first, 'a', { at: 14, parent: outer.lastSpanId }).build();
      const saga = sagaAfter(spans);
      expect(saga.steps).toHaveLength(1);
      expect(only(saga, 'duplicate_execution')).toEqual([]);
    });

    it('is not raised when a failed attempt was retried successfully', () => {
      const spans = b().op(first, 'a', { at: 10, fail: true }).op(first, 'a', { at: 30 }).build();
      expect(only(sagaAfter(spans), 'duplicate_execution')).toEqual([]);
    });
  });

  describe('retry_storm', () => {
    const attempts = (starts: number[], fail = true) => {
      const builder = b();
      starts.forEach((at, i) => builder.op(first, 'a', { at, dur: 1, fail: fail && i < starts.length - 1 }));
      return sagaAfter(builder.build());
    };

    it('is raised above maxAttempts within the burst window, with every attempt as evidence', () => {
      const saga = attempts([10, 20, 25, 40, 45, 60]);
      const found = only(saga, 'retry_storm');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'warning', step: 'a' });
      expect(found[0].spanIds).toHaveLength(6);
      expect(found[0].message).toContain('6 times within 50 ms');
    });

    it('is not raised above maxAttempts spread beyond the burst window', () => {
      // 7 attempts, every interval 6 s apart but jittering (so no constant-interval pattern either).
      expect(only(attempts([0, 6_000, 11_000, 17_500, 23_000, 29_000, 34_000]), 'retry_storm')).toEqual([]);
    });

    it('is never raised for a schedule that backs off, however many attempts (DESIGN: doubling is no storm)', () => {
      expect(only(attempts([10, 20, 40, 80, 160, 320, 640, 1280]), 'retry_storm')).toEqual([]);
      expect(only(attempts([10, 20, 40, 80, 160]), 'retry_storm')).toEqual([]);
    });

    it('respects a configured maxAttempts', () => {
      const spans = b().op(first, 'a', { at: 10, fail: true }).op(first, 'a', { at: 20, fail: true }).op(first, 'a', { at: 30 }).build();
      expect(only(sagaAfter(spans, 1000, { maxAttempts: 2 }), 'retry_storm')).toHaveLength(1);
      expect(only(sagaAfter(spans), 'retry_storm')).toEqual([]);
    });

    it('counts a reported attempt number beyond the spans seen', () => {
      const spans = b().op(first, 'a', { at: 10, attempt: 9 }).build();
      expect(only(sagaAfter(spans), 'retry_storm')).toHaveLength(1);
    });

    it('is raised for 4 attempts at a constant interval (no back-off)', () => {
      const found = only(attempts([10, 110, 210, 310]), 'retry_storm');
      expect(found).toHaveLength(1);
      expect(found[0].message).toMatch(/without backing off/);
    });

    it('tolerates 10% jitter as "not growing"', () => {
      expect(only(attempts([0, 100, 210, 325]), 'retry_storm')).toHaveLength(1);
    });

    it('is not raised for 3 constant-interval attempts, nor for 4 with a growing interval', () => {
      expect(only(attempts([10, 110, 210]), 'retry_storm')).toEqual([]);
      expect(only(attempts([10, 110, 210, 500]), 'retry_storm')).toEqual([]);
    });
  });

  describe('orphan_step', () => {
    it('is not raised for a choreographed saga: saga.* attributes and no coordinator span at all', () => {
      expect(only(sagaAfter(scenario({ protocol, coordinator: 'none' })), 'orphan_step')).toEqual([]);
      expect(only(sagaAfter(scenario({ protocol, coordinator: 'none', failAt: 'ship' })), 'orphan_step')).toEqual([]);
    });

    it('is raised once when the coordinator records its calls and a participant op has none, with that op as evidence', () => {
      const spans = sagaSpans({ protocol, steps: ['a', 'b'] })
        .root({ at: 0, dur: 100 })
        .call(first, 'a', { at: 10 })
        .op(first, 'b', { at: 30, service: 'rogue-svc' })
        .build();
      const saga = sagaAfter(spans);
      const found = only(saga, 'orphan_step');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'warning', step: null });
      expect(found[0].spanIds).toEqual([spans[spans.length - 1]!.spanId]);
      expect(found[0].message).toContain('rogue-svc');
      expect(found[0].message).toContain(`"b (${first})"`);
    });

    it('is raised, when the coordinator only reports its saga span, for a participant op outside that span', () => {
      const spans = sagaSpans({ protocol, steps: ['a', 'b'] })
        .root({ at: 0, dur: 100 })
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 5_000 })
        .build();
      const found = only(sagaAfter(spans), 'orphan_step');
      expect(found.map((a) => a.spanIds)).toEqual([[spans[2]!.spanId]]);
      expect(found[0].message).toContain('nor was its saga span open then');
    });

    it('judges an op the coordinator records no call of by its saga span, even where it records calls of other ops', () => {
      const b2 = sagaSpans({ protocol, steps: ['a', 'b'] })
        .root({ at: 0, dur: 200 })
        .op(first, 'a', { at: 10 })
        .op(first, 'b', { at: 30, fail: true })
        .call(undo, 'a', { at: 50 });
      expect(only(sagaAfter(b2.build()), 'orphan_step')).toEqual([]);
      const late = b2.op(first, 'c', { at: 5_000, index: 3 }).build();
      expect(only(sagaAfter(late), 'orphan_step').map((a) => a.spanIds)).toEqual([[late[late.length - 1]!.spanId]]);
    });

    it('is not raised for a participant op below a coordinator span of its trace', () => {
      const b2 = sagaSpans({ protocol, steps: ['a'] }).root({ at: 0, dur: 50, spanId: 'c000000000000001' });
      b2.plain({ at: 5, parent: 'c000000000000001', role: null, service: 'orchestrator', spanId: 'c000000000000002' });
      const spans = b2.op(first, 'a', { at: 6_000, parent: 'c000000000000002' }).call(first, 'z', { at: 10 }).build();
      expect(only(sagaAfter(spans), 'orphan_step')).toEqual([]);
    });

    it('is not raised for zero-code sagas, whose coordinator emits no spans', () => {
      expect(only(sagaAfter(scenario({ protocol, zeroCode: true })), 'orphan_step')).toEqual([]);
    });

    it('is not raised when any coordinator span exists, root or not', () => {
      expect(only(sagaAfter(scenario({ protocol })), 'orphan_step')).toEqual([]);
      const clientOnly = sagaSpans({ protocol, steps: ['a'] }).call(first, 'a', { at: 0 }).build();
      expect(only(sagaAfter(clientOnly), 'orphan_step')).toEqual([]);
    });

    it('is not raised for a saga without step spans', () => {
      expect(only(sagaAfter(sagaSpans({ protocol }).plain({ at: 0 }).build()), 'orphan_step')).toEqual([]);
    });
  });

  describe('stuck', () => {
    it('mirrors the stuck status, with the last active span as evidence', () => {
      const spans = scenario({ protocol, runningAt: 'ship' });
      const saga = sagaAfter(spans, 300_000);
      expect(saga.status).toBe('stuck');
      const found = only(saga, 'stuck');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'warning', step: null });
      const lastEnded = [...spans].sort((x, y) => y.endMs - x.endMs)[0];
      expect(found[0].spanIds).toEqual([lastEnded.spanId]);
      expect(found[0].message).toContain('5 min');
    });

    it('is absent before the threshold', () => {
      expect(only(sagaAfter(scenario({ protocol, runningAt: 'ship' }), 299_999), 'stuck')).toEqual([]);
    });
  });
});

describe('anomaly list', () => {
  it('is sorted by severity, then kind, then step', () => {
    const spans = sagaSpans({ steps: ['a', 'b', 'c'] })
      .action('a', { at: 10 })
      .action('b', { at: 20 })
      .action('c', { at: 30, fail: true })
      .compensate('z', { at: 35, result: 'skipped' })
      .compensate('a', { at: 40 })
      .compensate('c', { at: 45 })
      .compensate('b', { at: 50, fail: true })
      .action('b', { at: 60 })
      .build();
    const saga = sagaAfter(spans, 120_000);
    expect(saga.anomalies.map((a) => [a.severity, a.kind, a.step])).toEqual([
      ['error', 'missing_compensation', 'b'],
      ['error', 'compensation_failed', 'b'],
      ['error', 'hanging_action', 'b'],
      ['error', 'duplicate_execution', 'b'],
      ['warning', 'compensation_out_of_order', 'a'],
      ['info', 'null_compensation', 'z'],
    ]);
  });

  it('anomalyKinds gives distinct kinds in canonical order', () => {
    const kinds = anomalyKinds([{ kind: 'stuck' }, { kind: 'retry_storm' }, { kind: 'stuck' }, { kind: 'missing_compensation' }]);
    expect(kinds).toEqual(['missing_compensation', 'retry_storm', 'stuck']);
    expect(ANOMALY_KINDS).toHaveLength(9);
  });
});

describe('null compensation reported by the barrier', () => {
  it('is raised (info) even when a timed-out forward attempt of the step is on record', () => {
    const spans = sagaSpans({ steps: ['reserve', 'charge'] })
      .action('reserve', { at: 0, fail: 'timeout', role: 'coordinator' })
      .compensate('reserve', { at: 20, result: 'skipped' })
      .action('reserve', { at: 40, result: 'rejected' })
      .root({ at: 0, dur: 80 })
      .build();
    const kinds = sagaAfter(spans).anomalies.filter((a) => a.kind === 'null_compensation');
    expect(kinds).toHaveLength(1);
    expect(kinds[0]!.severity).toBe('info');
  });
});

