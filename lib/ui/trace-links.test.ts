import { describe, expect, it } from 'vitest';
import { backToSaga, sagaHref, traceHref } from './trace-links';

describe('trace links', () => {
  it('carries the saga and span, encoded', () => {
    expect(traceHref('ab'.repeat(16))).toBe(`/traces/${'ab'.repeat(16)}`);
    expect(traceHref('ab'.repeat(16), { saga: 'order #1 & co', span: '00f067aa0ba902b7' })).toBe(
      `/traces/${'ab'.repeat(16)}?saga=order+%231+%26+co&span=00f067aa0ba902b7`,
    );
    expect(sagaHref('a/b?c#d')).toBe('/sagas/a%2Fb%3Fc%23d');
  });

  it('goes back to the saga the reader came from when the trace has it, else to its only saga', () => {
    expect(backToSaga(['s1', 's2'], 's2')).toBe('s2');
    expect(backToSaga(['s1', 's2'], undefined)).toBeNull();
    expect(backToSaga(['s1', 's2'], 'other')).toBeNull();
    expect(backToSaga(['s1'], 'other')).toBe('s1');
    expect(backToSaga(['s1'], ['s1', 's2'])).toBe('s1');
    expect(backToSaga([], 's1')).toBeNull();
  });
});
