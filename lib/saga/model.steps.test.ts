import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { BASE_MS, TRACE_ID, configAt, sagaAfter, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import type { SagaSpan } from './types';

const row = (s: { step: string; op: string; attempt: number; result: string }) => `${s.step} ${s.op}#${s.attempt} ${s.result}`;

describe('step identity and names', () => {
  it('pairs a zero-code action with its compensation by branch id and names the step by the action URL', () => {
    const spans = sagaSpans({ role: null, zeroCode: true })
      .dtm('action', '01', '/api/TransOut', { at: 0 })
      .dtm('action', '02', '/api/TransIn', { at: 20, fail: true })
      .dtm('compensate', '02', '/api/TransInRevert', { at: 40 })
      .dtm('compensate', '01', '/api/TransOutRevert', { at: 60 })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map((s) => [s.step, s.key, s.index, s.op])).toEqual([
      ['/api/TransOut', '01', 1, 'action'],
      ['/api/TransIn', '02', 2, 'action'],
      ['/api/TransIn', '02', 2, 'compensate'],
      ['/api/TransOut', '01', 1, 'compensate'],
    ]);
    expect(saga.stepCount).toBe(2);
    expect(saga.status).toBe('compensated');
    expect(saga.failedStep).toBe('/api/TransIn');
  });

  it('prefers the first-phase URL for TCC (try over confirm and cancel), whatever arrives first', () => {
    const spans = sagaSpans({ protocol: 'tcc', role: null, zeroCode: true })
      .dtm('cancel', '01', '/api/cancel', { at: 0 })
      .dtm('confirm', '01', '/api/confirm', { at: 5 })
      .dtm('try', '01', '/api/try', { at: 10 })
      .build();
    expect(new Set(sagaAfter(spans).steps.map((s) => s.step))).toEqual(new Set(['/api/try']));
  });

  it('prefers a real saga.step over a zero-code URL path for the same branch', () => {
    const spans = sagaSpans()
      .dtm('action', '01', '/api/reserve', { at: 0, dur: 50, spanId: 'a000000000000001' })
      .action('reserve', { at: 5, branchId: '01', parent: 'a000000000000001' })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map((s) => [s.step, s.spanId])).toEqual([['reserve', 'a000000000000001']]);
  });

  it('falls back to the key when no span names the step', () => {
    const spans = sagaSpans().op('action', null, { at: 0, branchId: '07' }).build();
    expect(sagaAfter(spans).steps.map((s) => [s.step, s.index])).toEqual([['07', 7]]);
  });

  it('ignores step spans with neither branch id nor step name as steps, but counts them as spans', () => {
    const spans = sagaSpans({ steps: ['a'] }).op('action', null, { at: 0, service: 'mystery' }).action('a', { at: 10 }).build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map((s) => s.step)).toEqual(['a']);
    expect(saga.spanCount).toBe(2);
    expect(saga.services).toEqual(['a-svc', 'mystery']);
  });

  it('keeps names consistent across all entries of a key', () => {
    const saga = sagaAfter(scenario({ zeroCode: true, protocol: 'tcc', failAt: 'ship' }));
    const byKey = new Map<string, Set<string>>();
    for (const s of saga.steps) byKey.set(s.key, (byKey.get(s.key) ?? new Set()).add(s.step));
    for (const names of byKey.values()) expect(names.size).toBe(1);
  });
});

describe('step index', () => {
  it('uses saga.step.index from any span of the step (the smallest if they disagree)', () => {
    const spans = sagaSpans()
      .action('a', { at: 0, index: null })
      .compensate('a', { at: 30, index: 4 })
      .action('b', { at: 10, index: 2 })
      .action('b', { at: 20, index: 3 })
      .build();
    const idx = Object.fromEntries(sagaAfter(spans).steps.map((s) => [s.step, s.index]));
    expect(idx).toEqual({ a: 4, b: 2 });
  });

  it('ranks steps by first forward start when nothing gives an index (compensation-only steps last)', () => {
    const spans = sagaSpans()
      .compensate('z', { at: 0 })
      .action('second', { at: 20 })
      .action('first', { at: 10 })
      .build();
    const idx = Object.fromEntries(sagaAfter(spans).steps.map((s) => [s.step, s.index]));
    expect(idx).toEqual({ first: 1, second: 2, z: 3 });
  });

  it('does not read a step name as a number', () => {
    const spans = sagaSpans().action('42', { at: 0 }).build();
    expect(sagaAfter(spans).steps[0].index).toBe(1);
  });
});

describe('attempts and entries', () => {
  it('numbers attempts by start time when spans carry none', () => {
    const spans = sagaSpans({ steps: ['a'] })
      .action('a', { at: 30 })
      .action('a', { at: 0, fail: true })
      .action('a', { at: 10, fail: true })
      .build();
    expect(sagaAfter(spans).steps.map(row)).toEqual(['a action#1 failure', 'a action#2 failure', 'a action#3 success']);
  });

  it('uses saga.attempt when present, and the highest attempt decides the final state', () => {
    const spans = sagaSpans({ steps: ['a'] })
      .root({ at: 0, dur: 100 })
      .action('a', { at: 0, attempt: 2 })
      .action('a', { at: 10, attempt: 1, fail: true })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map(row)).toEqual(['a action#2 success', 'a action#1 failure']);
    expect(saga.status).toBe('committed');
  });

  it("keeps the participant's record of a call over the coordinator's", () => {
    const spans = sagaSpans({ steps: ['a'] }).call('action', 'a', { at: 0 }).call('action', 'a', { at: 20, fail: 'boom' }).build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map((s) => [row(s), s.service])).toEqual([
      ['a action#1 success', 'a-svc'],
      ['a action#2 failure', 'a-svc'],
    ]);
  });

  it("falls back to the coordinator's span when the participant sent nothing for an attempt", () => {
    const spans = sagaSpans({ steps: ['a'] })
      .action('a', { at: 0, role: 'coordinator', service: 'orchestrator', attempt: 1, fail: 'connection refused' })
      .action('a', { at: 20, role: 'coordinator', service: 'orchestrator', attempt: 2 })
      .action('a', { at: 21, attempt: 2 })
      .build();
    expect(sagaAfter(spans).steps.map((s) => [row(s), s.service, s.error])).toEqual([
      ['a action#1 failure', 'orchestrator', 'connection refused'],
      ['a action#2 success', 'a-svc', null],
    ]);
  });

  it('keeps retries recorded under one coordinator wrapper span apart', () => {
    const b = sagaSpans({ steps: ['a'] }).action('a', { at: 0, dur: 100, role: 'coordinator', spanId: 'c000000000000001' });
    b.action('a', { at: 10, role: 'coordinator', attempt: 1, fail: true, parent: 'c000000000000001' });
    b.action('a', { at: 50, role: 'coordinator', attempt: 2, parent: 'c000000000000001' });
    expect(sagaAfter(b.build()).steps.map(row)).toEqual(['a action#1 failure', 'a action#2 success']);
  });

  it('one entry per (step, op, attempt)', () => {
    const saga = sagaAfter(scenario({ bothSides: true, failAt: 'ship', protocol: 'tcc' }));
    const keys = saga.steps.map((s) => `${s.key}|${s.op}|${s.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(saga.steps).toHaveLength(5);
  });
});

describe('manual runs (saga.trigger=manual)', () => {
  // a, b succeeded, c failed, b compensated; the coordinator left a uncompensated.
  const failed = () =>
    sagaSpans({ steps: ['a', 'b', 'c'] })
      .root({ at: 0, dur: 100 })
      .action('a', { at: 0 })
      .action('b', { at: 10 })
      .action('c', { at: 20, fail: true })
      .compensate('b', { at: 30 });

  it('marks the attempt an operator ran by hand, and only that one', () => {
    const spans = failed()
      .compensate('a', { at: 500, role: 'coordinator', service: 'sagascope', attempt: 1, trigger: 'manual' })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.steps.map((s) => `${row(s)}${s.manual ? ' manual' : ''}`)).toEqual([
      'a action#1 success',
      'b action#1 success',
      'c action#1 failure',
      'b compensate#1 success',
      'a compensate#1 success manual',
    ]);
    expect(saga.status).toBe('compensated');
  });

  it("is manual when sagascope's client span says so, even where the participant's own span of that call is kept", () => {
    const b = failed().compensate('a', { at: 500, dur: 20, role: 'coordinator', service: 'sagascope', attempt: 1, trigger: 'manual', spanId: 'm000000000000001' });
    b.compensate('a', { at: 505, dur: 5, attempt: 1, parent: 'm000000000000001' });
    const entry = sagaAfter(b.build()).steps.find((s) => s.op === 'compensate' && s.step === 'a')!;
    expect(entry).toMatchObject({ service: 'a-svc', attempt: 1, result: 'success', manual: true });
  });

  it('keeps a failed manual attempt apart from the successful retry that followed it', () => {
    const spans = failed()
      .compensate('a', { at: 500, role: 'coordinator', service: 'sagascope', attempt: 1, trigger: 'manual', fail: 'HTTP 503' })
      .compensate('a', { at: 900, attempt: 2 })
      .build();
    const entries = sagaAfter(spans).steps.filter((s) => s.op === 'compensate' && s.step === 'a');
    expect(entries.map((e) => [e.attempt, e.result, e.manual])).toEqual([
      [1, 'failure', true],
      [2, 'success', false],
    ]);
  });

  it('leaves steps without the attribute unmarked', () => {
    expect(sagaAfter(failed().build()).steps.every((s) => s.manual === false)).toBe(true);
  });
});

describe('step results', () => {
  const one = (spec: Parameters<ReturnType<typeof sagaSpans>['action']>[1]) =>
    sagaAfter(sagaSpans({ steps: ['a'] }).action('a', { at: 0, ...spec }).build()).steps[0];

  it.each([
    [{}, 'success', null],
    [{ fail: true }, 'failure', 'span status ERROR'],
    [{ fail: 'out of stock' }, 'failure', 'out of stock'],
    [{ running: true }, 'running', null],
    [{ result: 'failure' as const }, 'failure', 'the step reported saga.step.result=failure'],
    [{ result: 'failure' as const, fail: 'declined' }, 'failure', 'declined'],
    [{ result: 'success' as const, fail: 'ignored' }, 'success', null],
    [{ result: 'skipped' as const, fail: 'ignored' }, 'skipped', null],
    [{ result: 'rejected' as const }, 'rejected', null],
    [{ result: 'success' as const, running: true }, 'success', null],
  ])('%o → %s', (spec, result, error) => {
    const s = one(spec);
    expect(s.result).toBe(result);
    expect(s.error).toBe(error);
  });

  it('takes an override or an error from a span nested in the same execution', () => {
    const outer = sagaSpans({ steps: ['a'] }).action('a', { at: 0, dur: 50, role: null, spanId: 'b000000000000001' });
    const skipped = outer.action('a', { at: 5, result: 'skipped', parent: 'b000000000000001' }).build();
    expect(sagaAfter(skipped).steps.map((s) => [s.result, s.spanId])).toEqual([['skipped', 'b000000000000001']]);
    const failed = sagaSpans({ steps: ['a'] })
      .action('a', { at: 0, dur: 50, role: null, spanId: 'b000000000000001' })
      .plain({ at: 2, parent: 'b000000000000001', spanId: 'b000000000000002' })
      .action('a', { at: 5, fail: 'constraint violated', parent: 'b000000000000002' })
      .build();
    expect(sagaAfter(failed).steps.map((s) => [s.result, s.error])).toEqual([['failure', 'constraint violated']]);
  });

  it('reports step timings from the entry span', () => {
    const s = one({ at: 100, dur: 25 });
    expect([s.startMs, s.endMs, s.durationMs]).toEqual([BASE_MS + 100, BASE_MS + 125, 25]);
    expect(one({ running: true }).durationMs).toBe(0);
  });
});

describe('saga fields', () => {
  it('sorts steps by start, then index, then span id', () => {
    const spans = sagaSpans({ steps: ['a', 'b', 'c'] })
      .action('c', { at: 10, spanId: '0000000000000009' })
      .action('b', { at: 10, spanId: '000000000000000a' })
      .action('a', { at: 20, spanId: '000000000000000c' })
      .compensate('a', { at: 20, spanId: '000000000000000b' })
      .build();
    expect(sagaAfter(spans).steps.map((s) => `${s.step}/${s.op}`)).toEqual(['b/action', 'c/action', 'a/compensate', 'a/action']);
  });

  it('collects services and trace ids, sorted and unique', () => {
    const spans = sagaSpans({ steps: ['b', 'a'] })
      .action('b', { at: 0, traceId: 'f'.repeat(32) })
      .action('a', { at: 10 })
      .plain({ at: 12, service: 'a-svc' })
      .plain({ at: 14, service: 'zeta' })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.services).toEqual(['a-svc', 'b-svc', 'zeta']);
    expect(saga.traceIds).toEqual([TRACE_ID, 'f'.repeat(32)]);
    expect(saga.spanCount).toBe(4);
  });

  it('takes the most common saga name, ties to the smallest', () => {
    const named = (names: Array<string | null>) =>
      sagaAfter(names.reduce((b, sagaName, i) => b.plain({ at: i, sagaName }), sagaSpans()).build()).name;
    expect(named(['b', 'a', 'b', null, null, null])).toBe('b');
    expect(named(['b', 'a'])).toBe('a');
    expect(named([null])).toBeNull();
  });

  it('takes the most common protocol, defaulting to saga', () => {
    const proto = (ps: Array<'tcc' | 'msg' | null>) =>
      sagaAfter(ps.reduce((b, protocol, i) => b.plain({ at: i, protocol }), sagaSpans()).build()).protocol;
    expect(proto(['tcc', 'msg', 'tcc'])).toBe('tcc');
    expect(proto(['tcc', 'msg'])).toBe('msg');
    expect(proto([null, null])).toBe('saga');
  });

  it('is zero-code when any span is', () => {
    expect(sagaAfter(scenario()).zeroCode).toBe(false);
    expect(sagaAfter([...scenario(), { ...scenario({ zeroCode: true })[0], spanId: 'ffffffffffffffff' }]).zeroCode).toBe(true);
  });

  it('counts distinct step keys and compensation entries', () => {
    const saga = sagaAfter(scenario({ failAt: 'ship', compensate: ['charge', 'reserve', 'reserve'] }));
    expect(saga.stepCount).toBe(3);
    expect(saga.compensationCount).toBe(3);
  });

  it('handles an empty span list', () => {
    const saga = buildSaga('empty', [], configAt(0));
    expect(saga).toMatchObject({ id: 'empty', spanCount: 0, steps: [], stepCount: 0, services: [], startMs: 0, name: null, protocol: 'saga' });
  });

  it('survives cyclic parent links', () => {
    const spans: SagaSpan[] = sagaSpans({ steps: ['a'] })
      .action('a', { at: 0, spanId: '1111111111111111', parent: '2222222222222222' })
      .action('a', { at: 5, spanId: '2222222222222222', parent: '3333333333333333' })
      .plain({ at: 6, spanId: '3333333333333333', parent: '1111111111111111' })
      .build();
    expect(sagaAfter(spans).steps).toHaveLength(1);
  });
});
