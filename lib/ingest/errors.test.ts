import { describe, it, expect } from 'vitest';
import { ERROR_TABLE, ExportError, statusFor, isTransientDbError, isDataError, storeErrorToExport, GrpcCode } from './errors';

describe('error → status table (OTLP failures and throttling)', () => {
  it.each([
    ['invalid_argument', GrpcCode.INVALID_ARGUMENT, 400, undefined],
    ['too_large', GrpcCode.RESOURCE_EXHAUSTED, 413, undefined],
    ['unauthenticated', GrpcCode.UNAUTHENTICATED, 401, undefined],
    ['saturated', GrpcCode.UNAVAILABLE, 429, 1],
    ['unavailable', GrpcCode.UNAVAILABLE, 503, 5],
    ['internal', GrpcCode.INTERNAL, 500, undefined],
  ] as const)('%s → gRPC %i, HTTP %i, Retry-After %s', (kind, grpc, http, retry) => {
    expect(ERROR_TABLE[kind]).toEqual(retry === undefined ? { grpc, http } : { grpc, http, retryAfterSeconds: retry });
    expect(statusFor(new ExportError(kind, 'x'))).toMatchObject({ grpc, http, kind, message: 'x' });
  });

  it('hides unexpected errors behind "internal"', () => {
    expect(statusFor(new Error('secret detail'))).toMatchObject({ kind: 'internal', http: 500, message: 'internal error' });
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01' }, true],
    [{ code: '08006' }, true],
    [{ code: '53300' }, true],
    [{ code: '40P01' }, true],
    [{ message: 'Connection terminated unexpectedly' }, true],
    [{ code: '22P02' }, false],
    [{ code: '23505' }, false],
    [new Error('boom'), false],
    [null, false],
  ])('transient db error %o → %s', (err, expected) => {
    expect(isTransientDbError(err)).toBe(expected);
  });

  const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    [pg('22009'), true], // time zone displacement out of range: the year-10000 span
    [pg('22003'), true], // numeric value out of range (an int4 column)
    [pg('22021'), true], // invalid byte sequence (NUL)
    [pg('22P05'), true], // untranslatable character (jsonb \u0000)
    [pg('23514'), true], // check violation
    [pg('23502'), true], // not-null violation
    [pg('54000'), true], // index row size exceeds maximum
    [new RangeError('Invalid time value'), true],
    [pg('57P01'), false],
    [pg('40P01'), false],
    [pg('42P01'), false], // undefined table: our bug, not the sender's data
    [pg('ECONNRESET'), false],
    [new Error('boom'), false],
    [null, false],
  ])('data error %o → %s', (err, expected) => {
    expect(isDataError(err)).toBe(expected);
  });

  it.each([
    ['a lost connection', pg('57P01'), 'unavailable', 503],
    ['a deadlock', pg('40P01'), 'unavailable', 503],
    ['a data exception', pg('22009', 'time zone displacement out of range: "+010000-01-01"'), 'invalid_argument', 400],
    ['a check violation', pg('23514', 'new row violates check constraint "x"'), 'invalid_argument', 400],
    ['a RangeError of a row value', new RangeError('Invalid time value'), 'invalid_argument', 400],
    ['an undefined table', pg('42P01'), 'internal', 500],
    ['anything else', new Error('secret detail'), 'internal', 500],
  ] as const)('a failed write: %s → %s (HTTP %i)', (_, err, kind, http) => {
    const e = storeErrorToExport(err);
    expect(e.kind).toBe(kind);
    expect(statusFor(e).http).toBe(http);
    if (kind === 'internal') expect(e.message).not.toMatch(/secret/);
  });

  it('names the SQLSTATE and a bounded excerpt of the database message for a refused request', () => {
    const e = storeErrorToExport(pg('22009', `time zone displacement out of range: "${'9'.repeat(1000)}"`));
    expect(e.message).toMatch(/^the database refused this request's spans \(SQLSTATE 22009\): time zone displacement out of range/);
    expect(e.message.length).toBeLessThan(300);
  });
});
