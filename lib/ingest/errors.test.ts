import { describe, it, expect } from 'vitest';
import { ERROR_TABLE, ExportError, statusFor, isTransientDbError, GrpcCode } from './errors';

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
});
