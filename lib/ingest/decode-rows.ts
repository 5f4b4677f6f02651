/**
 * One OTLP request body → span rows: decode, count against the request limit,
 * cut to the span limits. Pure and synchronous (bench:ingest:js times it
 * without I/O); its errors are ExportErrors.
 */
import { decodeProtobufRequest } from '../otlp/decode-protobuf';
import { decodeJsonRequest } from '../otlp/decode-json';
import { DecodeError, type DecodedRequest } from '../otlp/types';
import { BudgetExceeded, type DecodeBudgets } from '../otlp/decode-budget';
import { toSpanRows, type SpanRow } from './span-row';
import { ExportError } from './errors';
import type { SpanLimits } from './limits';
import { rowProblem } from './storable';
import { keyExtractorFor } from '../search/keys';
import { KeyLines } from '../search/key-writer';
import { keyLinesOf } from './copy-block';
import { MAX_REJECT_REASONS } from '../otlp/span-validation';

export type Encoding = 'protobuf' | 'json';
/** keyAttributes: SAGASCOPE_KEY_ATTRIBUTES (lib/search/keys.ts; null: off); omitted, the default list. */
export type RequestLimits = SpanLimits & DecodeBudgets & { keyAttributes?: readonly string[] | null };

export interface RequestRows {
  rows: SpanRow[];
  /** Spans in the request, valid or not. */
  received: number;
  rejected: number;
  rejectReasons: string[];
  /** Spans stored cut down to the limits. */
  truncated: number;
  /** Of the rejected, spans whose values nest deeper than the depth budget. */
  tooDeep: number;
  /** The business-key lines of `rows`, when asked for. */
  keyLines?: KeyLines;
}

/** A decoder's refusal as the sender is told; anything else passes through. */
export function decodeErrorToExport(err: unknown): unknown {
  if (err instanceof BudgetExceeded) {
    // Too many spans stays what it always was (413); any other budget is bad data (400), not retried.
    return new ExportError(err.budget === 'spans' ? 'too_large' : 'invalid_argument', err.message, err.budget);
  }
  if (err instanceof DecodeError) return new ExportError('invalid_argument', `cannot decode request: ${err.message}`);
  return err;
}

function decode(body: Uint8Array, encoding: Encoding, budgets: DecodeBudgets): DecodedRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body, budgets) : decodeJsonRequest(body, budgets);
  } catch (err) {
    throw decodeErrorToExport(err);
  }
}

/**
 * `keyLines`: also collect the request's business-key lines as its rows are
 * made (an ingest worker's encodeCopyBlock takes them), returned as `keyLines`.
 */
export function decodeRequestRows(body: Uint8Array, encoding: Encoding, limits: RequestLimits, keyLines = false): RequestRows {
  const decoded = decode(body, encoding, limits);
  const received = decoded.spans.length + decoded.rejected;
  const tally = { truncated: 0 };
  let lines = keyLines ? new KeyLines() : undefined;
  let rows = toSpanRows(decoded.spans, limits, tally, keyExtractorFor(limits.keyAttributes), lines);
  let rejected = decoded.rejected;
  const rejectReasons = decoded.rejectReasons;
  // One pass that allocates nothing while every row is storable (the usual case).
  for (let i = 0; i < rows.length; i++) {
    if (rowProblem(rows[i]!) === null) continue;
    const kept: SpanRow[] = rows.slice(0, i);
    for (let j = i; j < rows.length; j++) {
      const problem = rowProblem(rows[j]!);
      if (problem === null) kept.push(rows[j]!);
      else {
        rejected++;
        if (rejectReasons.length < MAX_REJECT_REASONS) rejectReasons.push(`span ${rows[j]!.spanId}: ${problem}`);
      }
    }
    rows = kept;
    // The lines were collected from every row: made again from the rows kept (a refused row's keys are not stored).
    if (lines !== undefined) lines = keyLinesOf(rows);
    break;
  }
  return { rows, received, rejected, rejectReasons, truncated: tally.truncated, tooDeep: decoded.tooDeep ?? 0, keyLines: lines };
}
