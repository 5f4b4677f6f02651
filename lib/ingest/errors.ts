/**
 * The one table from export failures to transport statuses (OTLP specification,
 * "Failures" and "Throttling"): retryable conditions tell SDKs to come back,
 * bad data tells them not to.
 */
import type { BudgetKind } from '../otlp/decode-budget';

export type ExportErrorKind =
  | 'invalid_argument'
  | 'too_large'
  | 'unauthenticated'
  | 'saturated'
  | 'unavailable'
  | 'internal';

export class ExportError extends Error {
  constructor(
    readonly kind: ExportErrorKind,
    message: string,
    /** The decode budget the request went over, if that is why (lib/otlp/decode-budget.ts; counted in /metrics). */
    readonly budget?: BudgetKind,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

/** gRPC status codes (grpc/status.proto). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface TransportStatus {
  grpc: number;
  http: number;
  /** Seconds for Retry-After (HTTP) / RetryInfo hint; set only for retryable kinds. */
  retryAfterSeconds?: number;
}

export const ERROR_TABLE: Readonly<Record<ExportErrorKind, TransportStatus>> = {
  invalid_argument: { grpc: GrpcCode.INVALID_ARGUMENT, http: 400 },
  too_large: { grpc: GrpcCode.RESOURCE_EXHAUSTED, http: 413 },
  unauthenticated: { grpc: GrpcCode.UNAUTHENTICATED, http: 401 },
  // The spec's throttling signal: HTTP 429 and gRPC UNAVAILABLE, both with a delay.
  saturated: { grpc: GrpcCode.UNAVAILABLE, http: 429, retryAfterSeconds: 1 },
  unavailable: { grpc: GrpcCode.UNAVAILABLE, http: 503, retryAfterSeconds: 5 },
  internal: { grpc: GrpcCode.INTERNAL, http: 500 },
};

export function statusFor(err: unknown): TransportStatus & { kind: ExportErrorKind; message: string } {
  const e = err instanceof ExportError ? err : new ExportError('internal', 'internal error');
  return { ...ERROR_TABLE[e.kind], kind: e.kind, message: e.message };
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A batch whose transaction committed, but whose work after the commit (the
 * orphan check, lib/ingest/span-writer.ts) failed. Its spans are stored: it may
 * be written again (which skips them and runs the check again), but it must
 * never be refused, or the sender is told "not stored" about spans that are.
 */
export class CommittedBatchError extends Error {
  constructor(readonly stored: number, override readonly cause: unknown) {
    super(`batch committed; the work after its commit failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Database errors that mean "try again later" rather than "this data is bad":
 * lost connections, server shutting down (57P), connection exceptions (08),
 * insufficient resources (53), serialization failures and deadlocks (40).
 */
export function isTransientDbError(err: unknown): boolean {
  if (err instanceof CommittedBatchError) return isTransientDbError(err.cause);
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_ERRNOS.has(code)) return true;
  if (/^(08|53|57P|40)/.test(code)) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection (is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(msg);
}

/**
 * Errors that come from the data being written, not from the database's state:
 * data exceptions (22: out-of-range values, bad text), integrity violations
 * (23; a re-sent span's 23505 never gets here, the writer resolves it) and
 * program limits (54: a value too big for an index). Writing the same rows
 * again fails again, so a group commit that fails this way is split until the
 * request that carries the rows is alone (lib/ingest/pipeline.ts). A
 * RangeError is a row value our own formatting could not handle (a date
 * beyond what Date#toISOString writes, a string beyond V8's maximum length).
 */
export function isDataError(err: unknown): boolean {
  if (err instanceof RangeError) return true;
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/**
 * A failed write of one request's spans, as the sender is told: the database
 * away → 503 / UNAVAILABLE (retry); the request's own data refused → 400 /
 * INVALID_ARGUMENT (do not retry: it would fail again); anything else → 500.
 */
export function storeErrorToExport(err: unknown): ExportError {
  if (isTransientDbError(err)) return new ExportError('unavailable', 'database unavailable, retry later');
  if (!isDataError(err)) return new ExportError('internal', 'failed to store spans');
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? ` (SQLSTATE ${e.code})` : '';
  // The database's message names the sender's own value; cut it, a value can be long.
  const detail = typeof e.message === 'string' ? `: ${e.message.slice(0, 200)}` : '';
  return new ExportError('invalid_argument', `the database refused this request's spans${code}${detail}`);
}
