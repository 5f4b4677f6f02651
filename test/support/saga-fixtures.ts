/**
 * Test fixtures: a fluent builder of SagaSpan[] and ready-made saga / TCC / DTM
 * scenarios. Times are offsets in ms from BASE_MS so that tests read as timelines.
 * Not used by production code.
 */
import type { ModelConfig, Op, Protocol, ResultOverride, Role, Saga, SagaSpan, Trigger } from '../../lib/saga/types';
import { modelConfig } from '../../lib/saga/config';
import { buildSaga } from '../../lib/saga/model';

export const BASE_MS = 1_700_000_000_000;
export const TRACE_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

export interface SpanSpec {
  /** Start, ms after the builder's base. Default: right after the previous span ended. */
  at?: number;
  /** Default 10. */
  dur?: number;
  /** endMs 0: the span has not ended. */
  running?: boolean;
  /** Status ERROR; a string is the status message. */
  fail?: boolean | string;
  result?: ResultOverride | null;
  attempt?: number | null;
  role?: Role | null;
  service?: string;
  branchId?: string | null;
  /** saga.step.index; default from the builder's declared steps (1-based). */
  index?: number | null;
  spanId?: string;
  traceId?: string;
  /** Parent span id; default none. */
  parent?: string | null;
  /** receivedMs as an offset; default none (the model uses endMs). */
  received?: number;
  zeroCode?: boolean;
  /** saga.trigger (manual actions). */
  trigger?: Trigger | null;
  name?: string;
  protocol?: Protocol | null;
  sagaName?: string | null;
  sagaId?: string | null;
  /** saga.step; defaults to the step argument. null to omit. */
  step?: string | null;
}

export interface BuilderOptions {
  sagaId?: string;
  sagaName?: string | null;
  protocol?: Protocol | null;
  base?: number;
  traceId?: string;
  /** Declared step order: gives saga.step.index 1..n to steps by name. */
  steps?: readonly string[];
  /** Role of step spans when the spec gives none. Default participant. */
  role?: Role | null;
  zeroCode?: boolean;
}

export class SagaSpanBuilder {
  private readonly spans: SagaSpan[] = [];
  private counter = 0;
  private cursor = 0;
  private readonly opts: Required<Omit<BuilderOptions, 'steps'>>;
  private readonly declaredIndex: Map<string, number>;

  constructor(opts: BuilderOptions = {}) {
    this.opts = {
      sagaId: opts.sagaId ?? 'gid-1',
      sagaName: opts.sagaName === undefined ? 'checkout' : opts.sagaName,
      protocol: opts.protocol === undefined ? 'saga' : opts.protocol,
      base: opts.base ?? BASE_MS,
      traceId: opts.traceId ?? TRACE_ID,
      role: opts.role === undefined ? 'participant' : opts.role,
      zeroCode: opts.zeroCode ?? false,
    };
    this.declaredIndex = new Map((opts.steps ?? []).map((name, i) => [name, i + 1]));
  }

  /** Span id of the last span added (to use as a parent). */
  get lastSpanId(): string {
    return this.spans[this.spans.length - 1].spanId;
  }

  /** Time offset right after the last span added ended. */
  get now(): number {
    return this.cursor;
  }

  /** The coordinator's saga span (role coordinator, no op). */
  root(spec: SpanSpec = {}): this {
    return this.add(null, null, { role: 'coordinator', service: 'orchestrator', name: 'saga', index: null, ...spec });
  }

  /** A span that is not a step (database call, HTTP middleware …). */
  plain(spec: SpanSpec = {}): this {
    return this.add(null, null, { role: null, name: 'db.query', index: null, ...spec });
  }

  op(op: Op, step: string | null, spec: SpanSpec = {}): this {
    return this.add(op, step, spec);
  }

  action(step: string, spec: SpanSpec = {}): this { return this.op('action', step, spec); }
  compensate(step: string, spec: SpanSpec = {}): this { return this.op('compensate', step, spec); }
  try(step: string, spec: SpanSpec = {}): this { return this.op('try', step, spec); }
  confirm(step: string, spec: SpanSpec = {}): this { return this.op('confirm', step, spec); }
  cancel(step: string, spec: SpanSpec = {}): this { return this.op('cancel', step, spec); }
  prepare(step: string, spec: SpanSpec = {}): this { return this.op('prepare', step, spec); }
  submit(step: string, spec: SpanSpec = {}): this { return this.op('submit', step, spec); }
  commit(step: string, spec: SpanSpec = {}): this { return this.op('commit', step, spec); }
  rollback(step: string, spec: SpanSpec = {}): this { return this.op('rollback', step, spec); }

  /**
   * One call as two instrumented sides record it: the coordinator's client span
   * and, nested in it, the participant's server span (same attempt, same result).
   */
  call(op: Op, step: string, spec: SpanSpec = {}): this {
    const at = spec.at ?? this.cursor;
    const dur = spec.dur ?? 10;
    this.add(op, step, { ...spec, at, dur, role: 'coordinator', service: 'orchestrator' });
    const parent = this.lastSpanId;
    return this.add(op, step, { ...spec, at: at + 1, dur: Math.max(0, dur - 2), parent });
  }

  /** A zero-code DTM branch call: only the participant's HTTP server span, fields from the query string. */
  dtm(op: Op, branchId: string, path: string, spec: SpanSpec = {}): this {
    return this.add(op, path, { role: null, zeroCode: true, branchId, index: null, name: `POST ${path}`, ...spec });
  }

  build(): SagaSpan[] {
    return this.spans.map((s) => ({ ...s }));
  }

  private add(op: Op | null, step: string | null, spec: SpanSpec): this {
    const o = this.opts;
    const at = spec.at ?? this.cursor;
    const dur = spec.dur ?? 10;
    const stepName = spec.step === undefined ? step : spec.step;
    const declared = stepName === null ? null : (this.declaredIndex.get(stepName) ?? null);
    const span: SagaSpan = {
      traceId: spec.traceId ?? o.traceId,
      spanId: spec.spanId ?? (++this.counter).toString(16).padStart(16, '0'),
      parentSpanId: spec.parent ?? null,
      service: spec.service ?? (stepName ? `${stepName.replace(/^\/api\//, '')}-svc` : 'app'),
      name: spec.name ?? (op ? `${op} ${stepName ?? ''}`.trim() : 'span'),
      startMs: o.base + at,
      endMs: spec.running ? 0 : o.base + at + dur,
      statusCode: spec.fail ? 2 : 0,
      statusMessage: typeof spec.fail === 'string' ? spec.fail : null,
      sagaId: spec.sagaId === undefined ? o.sagaId : spec.sagaId,
      sagaName: spec.sagaName === undefined ? o.sagaName : spec.sagaName,
      protocol: spec.protocol === undefined ? o.protocol : spec.protocol,
      role: spec.role === undefined ? (op === null ? null : o.role) : spec.role,
      step: stepName,
      stepIndex: spec.index !== undefined ? spec.index : declared,
      branchId: spec.branchId ?? null,
      op,
      attempt: spec.attempt ?? null,
      result: spec.result ?? null,
      actionUrl: null,
      compensateUrl: null,
      idempotencyKey: null,
      trigger: spec.trigger ?? null,
      zeroCode: spec.zeroCode ?? o.zeroCode,
    };
    if (spec.received !== undefined) span.receivedMs = o.base + spec.received;
    this.spans.push(span);
    this.cursor = Math.max(this.cursor, at + dur);
    return this;
  }
}

export function sagaSpans(opts: BuilderOptions = {}): SagaSpanBuilder {
  return new SagaSpanBuilder(opts);
}

export type Thresholds = Partial<Omit<ModelConfig, 'nowMs'>>;

/** Default config evaluated at BASE_MS + offsetMs. */
export function configAt(offsetMs: number, overrides: Thresholds = {}): ModelConfig {
  return modelConfig({ ...overrides, nowMs: BASE_MS + offsetMs });
}

/** The saga as seen `quietMs` after its last span ended (1 s by default: fresh, nothing timed out). */
export function sagaAfter(spans: readonly SagaSpan[], quietMs = 1000, overrides: Thresholds = {}): Saga {
  return buildSaga('gid-1', spans, modelConfig({ ...overrides, nowMs: lastEnd(spans) + quietMs }));
}

/** The saga evaluated at an absolute instant. */
export function sagaAtMs(spans: readonly SagaSpan[], nowMs: number, overrides: Thresholds = {}): Saga {
  return buildSaga('gid-1', spans, modelConfig({ ...overrides, nowMs }));
}

export interface ScenarioSpec {
  protocol?: 'saga' | 'tcc';
  steps?: readonly string[];
  /** The step whose first-phase op (action / try) fails; steps after it never run. */
  failAt?: string | null;
  /** The step whose first-phase op has not ended (endMs 0); steps after it never run. */
  runningAt?: string | null;
  /**
   * Steps to compensate (cancel for TCC), in this order. Default: every step whose
   * first phase succeeded, in reverse order. Only used when failAt is set.
   */
  compensate?: readonly string[];
  /** Compensations listed here fail (final attempt). */
  failCompensation?: readonly string[];
  /** finished: coordinator root ended; open: root not ended; none: no coordinator spans at all. */
  coordinator?: 'finished' | 'open' | 'none';
  /** DTM zero-code style: no coordinator, branch ids, URL paths, no roles. Implies coordinator none. */
  zeroCode?: boolean;
  /** Record each call on both sides (coordinator client span + participant span). */
  bothSides?: boolean;
  sagaId?: string;
}

/**
 * A complete saga or TCC run. Steps run one after another from offset 100, 20 ms
 * apart; the coordinator root (if any) spans the whole run.
 */
export function scenario(spec: ScenarioSpec = {}): SagaSpan[] {
  const protocol = spec.protocol ?? 'saga';
  const steps = spec.steps ?? ['reserve', 'charge', 'ship'];
  const zeroCode = spec.zeroCode ?? false;
  const coordinator = zeroCode ? 'none' : (spec.coordinator ?? 'finished');
  const b = sagaSpans({
    protocol,
    steps: zeroCode ? [] : steps,
    role: zeroCode ? null : 'participant',
    zeroCode,
    sagaName: zeroCode ? null : 'checkout',
    sagaId: spec.sagaId,
  });
  const first: Op = protocol === 'tcc' ? 'try' : 'action';
  const undo: Op = protocol === 'tcc' ? 'cancel' : 'compensate';
  const branch = (step: string) => String(steps.indexOf(step) + 1).padStart(2, '0');
  const run = (op: Op, step: string, s: SpanSpec) => {
    if (zeroCode) return b.dtm(op, branch(step), op === first ? `/api/${step}` : `/api/${step}-${op}`, s);
    if (spec.bothSides) return b.call(op, step, s);
    return b.op(op, step, s);
  };

  let t = 100;
  const succeeded: string[] = [];
  let failed = false;
  for (const step of steps) {
    const fails = spec.failAt === step;
    const unfinished = spec.runningAt === step;
    run(first, step, { at: t, fail: fails ? `${step} failed` : false, running: unfinished });
    t += 20;
    if (unfinished) return finish(b, coordinator, t);
    if (fails) {
      failed = true;
      break;
    }
    succeeded.push(step);
  }
  if (!failed && protocol === 'tcc') {
    for (const step of steps) {
      run('confirm', step, { at: t });
      t += 20;
    }
  }
  if (failed) {
    const order = spec.compensate ?? [...succeeded].reverse();
    for (const step of order) {
      const fails = spec.failCompensation?.includes(step) ?? false;
      run(undo, step, { at: t, fail: fails ? `${undo} of ${step} failed` : false });
      t += 20;
    }
  }
  return finish(b, coordinator, t);
}

function finish(b: SagaSpanBuilder, coordinator: 'finished' | 'open' | 'none', t: number): SagaSpan[] {
  if (coordinator !== 'none') b.root({ at: 0, dur: t + 10, running: coordinator === 'open' });
  return b.build();
}

/** Latest end among spans (the model's last activity when no receivedMs is set). */
export function lastEnd(spans: readonly SagaSpan[]): number {
  return spans.reduce((max, s) => Math.max(max, s.startMs, s.endMs), -Infinity);
}

/** A small deterministic PRNG for property tests. */
export { seededRandom as prng } from '../../lib/random';

/** A shuffled copy of `items` with random extra copies (same and cloned objects). */
export function shuffledWithDuplicates<T extends object>(items: readonly T[], rand: () => number): T[] {
  const out: T[] = [...items];
  const extra = Math.floor(rand() * (items.length + 1));
  for (let i = 0; i < extra && items.length > 0; i++) {
    const pick = items[Math.floor(rand() * items.length)];
    out.push(rand() < 0.5 ? pick : { ...pick });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Freezes every span so that a mutation by the model throws in tests. */
export function frozen(spans: readonly SagaSpan[]): readonly SagaSpan[] {
  return Object.freeze(spans.map((s) => Object.freeze({ ...s })));
}

/**
 * A large saga for performance checks: `steps` steps recorded on both sides
 * (coordinator client span + nested participant span), the last one failing and
 * all others compensated in reverse order. About 4 spans per step.
 */
export function largeSaga(steps: number, opts: { bothSides?: boolean; sameStart?: boolean } = {}): SagaSpan[] {
  const names = Array.from({ length: steps }, (_, i) => `step-${i}`);
  const b = sagaSpans({ steps: names });
  const at = (t: number) => (opts.sameStart ? 0 : t);
  let t = 1;
  const run = (op: Op, step: string, fail: boolean) => {
    if (opts.bothSides) b.call(op, step, { at: at(t), dur: 5, fail });
    else b.op(op, step, { at: at(t), dur: 5, fail });
    t += 10;
  };
  names.forEach((name, i) => run('action', name, i === steps - 1));
  for (let i = steps - 2; i >= 0; i--) run('compensate', names[i], false);
  b.root({ at: 0, dur: t + 10 });
  return b.build();
}

/** Every step span records where its action and compensation can be called (manual-action tests). */
export function withStepUrls(spans: readonly SagaSpan[]): SagaSpan[] {
  return spans.map((s) => (s.step ? { ...s, actionUrl: `http://svc/${s.step}/action`, compensateUrl: `http://svc/${s.step}/compensate` } : s));
}
