/**
 * What a DTM branch answered, read from the status code its participant's stock
 * HTTP or gRPC server span recorded (DESIGN.md §2 "DTM's result conventions").
 *
 * OpenTelemetry leaves the status of a 4xx HTTP server span unset, and otelgrpc
 * that of a server span ending ABORTED or FAILED_PRECONDITION, so without this a
 * branch that answered FAILURE looks like a success. DTM reads an answer as
 * (dtmcli/dtmimp/utils.go RespAsErrorCompatible; dtmgrpc GrpcError2DtmError;
 * dtmsvr/trans_status.go getBranchResult):
 *   HTTP 200 → SUCCESS; 409 → FAILURE; 425 → ONGOING; any other code → an
 *     error that DTM retries (a body saying FAILURE / ONGOING also counts, but
 *     spans do not record bodies);
 *   gRPC OK → SUCCESS; ABORTED → FAILURE (ONGOING when its message says so, as
 *     DTM < 1.10 answered); FAILED_PRECONDITION → ONGOING; any other code → an
 *     error that DTM retries.
 * A 200 / OK answer sets nothing: the span's own status stands (an ERROR there
 * is the participant's word, e.g. a FAILURE answered in the body). No status
 * code recorded: nothing either.
 */
import type { AttrValue, FlatSpan } from '../otlp/types';
import type { ResultOverride } from './types';

const HTTP_OK = 200;
const HTTP_CONFLICT = 409;
const HTTP_TOO_EARLY = 425;
const GRPC_OK = 0;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_ABORTED = 10;

/** The answer of a DTM branch call; null when the span's own status should decide. */
export function dtmBranchResult(span: FlatSpan): ResultOverride | null {
  const http = statusCode(span.attributes['http.response.status_code']) ?? statusCode(span.attributes['http.status_code']);
  if (http !== null) {
    if (http === HTTP_OK) return null;
    if (http === HTTP_CONFLICT) return 'failure';
    if (http === HTTP_TOO_EARLY) return 'ongoing';
    return 'transient';
  }
  const grpc = statusCode(span.attributes['rpc.grpc.status_code']);
  if (grpc !== null) {
    if (grpc === GRPC_OK) return null;
    if (grpc === GRPC_ABORTED) return span.statusMessage?.trim() === 'ONGOING' ? 'ongoing' : 'failure';
    if (grpc === GRPC_FAILED_PRECONDITION) return 'ongoing';
    return 'transient';
  }
  return null;
}

/** An integer status code, given as a number or a decimal string. */
function statusCode(value: AttrValue | undefined): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\s*\d{1,4}\s*$/.test(value)) return Number(value);
  return null;
}
