import { describe, expect, it } from 'vitest';
import { rowProblem } from './storable';
import { toSpanRows, type SpanRow } from './span-row';
import { MAX_SPAN_TIME_MS, spanProblem } from '../otlp/span-validation';
import { timestampText } from '../db/pg-text';
import { flatSpan } from '../../test/support/otlp/flat-spans';

const good = (): SpanRow => toSpanRows([flatSpan({ attributes: { 'saga.id': 'g', 'saga.step.index': 2, 'saga.attempt': 1 } })])[0]!;

describe('rowProblem: each column against what PostgreSQL takes', () => {
  it('passes what toSpanRows makes of a normal span', () => {
    expect(rowProblem(good())).toBeNull();
  });

  it.each<[string, Partial<SpanRow>, RegExp | null]>([
    ['start time 0', { startMs: 0 }, /time is outside/],
    ['NaN start time', { startMs: NaN }, /time is outside/],
    ['end before start', { endMs: 1 }, /time is outside/],
    ['end in the year 10000', { endMs: MAX_SPAN_TIME_MS + 1 }, /time is outside/],
    ['end at the last storable millisecond', { endMs: MAX_SPAN_TIME_MS }, null],
    ['kind beyond int2', { kind: 40_000 }, /kind or status code/],
    ['fractional status code', { statusCode: 1.5 }, /kind or status code/],
    ['step index beyond int4', { stepIndex: 2 ** 31 }, /saga.step.index/],
    ['attempt beyond int4', { attempt: 2 ** 31 }, /saga.attempt/],
    ['step index at int4 max', { stepIndex: 2 ** 31 - 1 }, null],
    ['NUL in the name', { name: 'a\u0000b' }, /name holds text/],
    ['a lone surrogate in the service', { service: 'svc\ud800' }, /service holds text/],
    ['a surrogate pair in the step', { step: 'pay 💳' }, null],
    ['NUL in the saga id', { sagaId: '\u0000' }, /sagaId holds text/],
    ['\\u0000 escaped in attributes', { attributesJson: '{"k":"a\\u0000"}' }, /attributes hold text/],
    ['a lone surrogate escaped in events', { eventsJson: '[{"name":"\\ud83d"}]' }, /attributes hold text/],
    ['an escaped backslash before u0000 (plain text)', { attributesJson: '{"k":"\\\\u0000"}' }, null],
    ['a control character escape', { resourceJson: '{"k":"\\u0001"}' }, null],
  ])('%s', (_, change, problem) => {
    const result = rowProblem({ ...good(), ...change });
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });
});

describe('span times the decoders accept are storable', () => {
  it('refuses a span after 9999 (where ISO text turns into +010000-…, which PostgreSQL misreads)', () => {
    const id = 'ab'.repeat(16);
    expect(spanProblem(id, 'cd'.repeat(8), '', MAX_SPAN_TIME_MS, MAX_SPAN_TIME_MS)).toBeNull();
    expect(spanProblem(id, 'cd'.repeat(8), '', MAX_SPAN_TIME_MS, MAX_SPAN_TIME_MS + 1)).toMatch(/outside what can be stored/);
    expect(timestampText(MAX_SPAN_TIME_MS)).toMatch(/^9999-12-31T23:59:59\.999/);
    expect(timestampText(MAX_SPAN_TIME_MS + 1)).toMatch(/^\+010000/);
  });
});
