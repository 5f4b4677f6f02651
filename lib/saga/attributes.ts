/**
 * Derives the saga fields of one span (DESIGN.md §2).
 *
 * Each field is taken from the first source that yields a valid value:
 *   1. `saga.*` attributes,
 *   2. `dtm.*` attributes (dtm.gid, dtm.trans_type, dtm.branch_id, dtm.op; the
 *      camelCase spellings too),
 *   3. the zero-code DTM mapping: the gid / trans_type / branch_id / op that DTM
 *      puts on every branch call, as recorded by stock HTTP instrumentation in
 *      the URL, or by gRPC instrumentation as request metadata. Only a call
 *      that carries a gid counts, so an unrelated `?op=` is not mistaken for DTM.
 * `zeroCode` is set when the saga id itself came from such a call.
 * The result of a span that joined its saga through DTM's parameters (no
 * `saga.id`) and has no `saga.step.result` is DTM's reading of its status
 * code (lib/saga/dtm-result.ts): a 409 is a failure although OpenTelemetry
 * leaves the span's status unset.
 * Span attributes shadow resource attributes key by key. Attribute values are
 * untrusted: anything malformed becomes null rather than an error.
 */
import type { AttrValue, FlatSpan } from '../otlp/types';
import * as sagaTypes from './types';
import type { Op, Protocol, ResultOverride, Role, SagaFields } from './types';
import * as dtmResult from './dtm-result';

// Under tsx (how the collector runs) modules compile to CommonJS, where each use
// of an imported name reads through two getters; this runs per span, so the
// imports are bound once here.
const { COMPENSATION_OPS, OPS, PROTOCOLS, TRIGGERS } = sagaTypes;
const { dtmBranchResult } = dtmResult;

/** Ids and names are stored and indexed; longer values are cut. */
const MAX_NAME_LENGTH = 512;
/** A cut URL would invoke something else, so longer URLs are dropped instead. */
const MAX_URL_LENGTH = 4096;

const ROLES: readonly Role[] = ['coordinator', 'participant'];
const RESULTS: readonly ResultOverride[] = ['success', 'failure', 'skipped', 'rejected'];
/** Ops whose URL is the step's action (what "retry step" re-invokes). */
const ACTION_OPS: readonly Op[] = ['action', 'try'];

/** Attributes recording the request URL, in order of preference (OTel semconv, current and older). */
const URL_ATTRIBUTES = ['url.full', 'url.query', 'http.target', 'http.url'] as const;
// Whole keys, not prefix + name at the call: a key concatenated per call can be a
// new string each time, which V8 must flatten and internalise for the lookup.
const GRPC_DTM_GID = 'rpc.grpc.request.metadata.dtm-gid';
const GRPC_DTM_TRANS_TYPE = 'rpc.grpc.request.metadata.dtm-trans_type';
const GRPC_DTM_BRANCH_ID = 'rpc.grpc.request.metadata.dtm-branch_id';
const GRPC_DTM_OP = 'rpc.grpc.request.metadata.dtm-op';

/** What a DTM branch call carries, as found in a URL or in gRPC metadata. */
interface DtmCall {
  gid: string;
  transType: AttrValue | undefined;
  branchId: AttrValue | undefined;
  op: AttrValue | undefined;
  /** HTTP path or gRPC method path: the zero-code step name. */
  path: string | null;
  /** The call's URL as recorded (HTTP only). */
  url: string | null;
}

/** A span attribute, else the resource attribute of the same key. */
function lookup(span: FlatSpan, key: string): AttrValue | undefined {
  const value = span.attributes[key];
  return value !== undefined && value !== null ? value : span.resource[key];
}

function firstDefined(span: FlatSpan, a: string, b: string): AttrValue | undefined {
  const value = lookup(span, a);
  return value !== undefined && value !== null ? value : lookup(span, b);
}

// This runs once per ingested span: no closures (tsx's keepNames wraps each
// one created in a call), and the DTM call is parsed at most once, only when a
// field is still empty after the explicit attributes.
export function extractSagaFields(span: FlatSpan): SagaFields {
  let call: DtmCall | null | undefined;
  const sagaIdAttribute = nameValue(lookup(span, 'saga.id'));
  const explicitSagaId = sagaIdAttribute ?? nameValue(lookup(span, 'dtm.gid'));
  let sagaId = explicitSagaId;
  if (sagaId === null) sagaId = (call ??= findDtmCall(span))?.gid ?? null;
  let op = enumValue(lookup(span, 'saga.op'), OPS) ?? enumValue(lookup(span, 'dtm.op'), OPS);
  if (op === null) op = enumValue((call ??= findDtmCall(span))?.op, OPS);
  let protocol =
    enumValue<Protocol>(lookup(span, 'saga.protocol'), PROTOCOLS) ??
    enumValue(firstDefined(span, 'dtm.trans_type', 'dtm.transType'), PROTOCOLS);
  if (protocol === null) protocol = enumValue((call ??= findDtmCall(span))?.transType, PROTOCOLS);
  let step = nameValue(lookup(span, 'saga.step'));
  if (step === null) step = (call ??= findDtmCall(span))?.path ?? null;
  let branchId = nameValue(lookup(span, 'saga.branch_id')) ?? nameValue(firstDefined(span, 'dtm.branch_id', 'dtm.branchId'));
  if (branchId === null) branchId = nameValue((call ??= findDtmCall(span))?.branchId);
  let actionUrl = urlValue(lookup(span, 'saga.action_url'));
  if (actionUrl === null && op !== null && ACTION_OPS.includes(op)) actionUrl = (call ??= findDtmCall(span))?.url ?? null;
  let compensateUrl = urlValue(lookup(span, 'saga.compensate_url'));
  if (compensateUrl === null && op !== null && COMPENSATION_OPS.includes(op)) {
    compensateUrl = (call ??= findDtmCall(span))?.url ?? null;
  }
  let result = enumValue(lookup(span, 'saga.step.result'), RESULTS);
  // A branch call DTM made: its answer is in the status code (409 leaves the span's status unset).
  if (result === null && op !== null && sagaIdAttribute === null && sagaId !== null) result = dtmBranchResult(span);
  return {
    sagaId,
    sagaName: nameValue(lookup(span, 'saga.name')),
    protocol,
    role: enumValue(lookup(span, 'saga.role'), ROLES),
    step,
    stepIndex: integerValue(lookup(span, 'saga.step.index'), 0),
    branchId,
    op,
    attempt: integerValue(lookup(span, 'saga.attempt'), 1),
    result,
    actionUrl,
    compensateUrl,
    idempotencyKey: nameValue(lookup(span, 'saga.idempotency_key')),
    trigger: enumValue(lookup(span, 'saga.trigger'), TRIGGERS),
    // The span joined its saga only through what DTM put on the call. Other
    // fields filled from the call (say, the URL of an instrumented span) do
    // not make an instrumented span zero-code.
    zeroCode: explicitSagaId === null && sagaId !== null,
  };
}

// ---- value normalisation --------------------------------------------------------------

/** A scalar as text; gRPC metadata arrives as a one-element string array. */
function scalarText(value: AttrValue | undefined): string | null {
  if (Array.isArray(value)) return value.length === 1 ? scalarText(value[0]) : null;
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function nameValue(value: AttrValue | undefined): string | null {
  const text = scalarText(value);
  if (text === null || text.length <= MAX_NAME_LENGTH) return text;
  // Do not leave half of a surrogate pair at the end.
  const cut = text.charCodeAt(MAX_NAME_LENGTH - 1) >= 0xd800 && text.charCodeAt(MAX_NAME_LENGTH - 1) <= 0xdbff;
  return text.slice(0, cut ? MAX_NAME_LENGTH - 1 : MAX_NAME_LENGTH);
}

function urlValue(value: AttrValue | undefined): string | null {
  const text = scalarText(value);
  return text !== null && text.length <= MAX_URL_LENGTH ? text : null;
}

function enumValue<T extends string>(value: AttrValue | undefined, allowed: readonly T[]): T | null {
  const text = scalarText(value)?.toLowerCase();
  return text !== undefined && (allowed as readonly string[]).includes(text) ? (text as T) : null;
}

/** step_index and attempt are int4 columns: a larger value would fail its whole batch in PostgreSQL (22003). */
const MAX_INT4 = 2_147_483_647;

/** A whole number from min to int4's maximum, given as a number or a decimal string. */
function integerValue(value: AttrValue | undefined, min: number): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else return null;
  return Number.isInteger(n) && n >= min && n <= MAX_INT4 ? n : null;
}

// ---- zero-code DTM calls ----------------------------------------------------------------

function findDtmCall(span: FlatSpan): DtmCall | null {
  return dtmCallFromUrl(span) ?? dtmCallFromGrpcMetadata(span);
}

function dtmCallFromUrl(span: FlatSpan): DtmCall | null {
  for (const key of URL_ATTRIBUTES) {
    const recorded = lookup(span, key);
    // Cheap pre-check: most instrumented URLs carry no DTM parameters at all.
    if (typeof recorded !== 'string' || !recorded.includes('gid=')) continue;
    const { path, query } = splitUrl(recorded);
    const params = dtmParams(query);
    const gid = nameValue(params.gid);
    if (gid === null) continue;
    return {
      gid,
      transType: params.transType,
      branchId: params.branchId,
      op: params.op,
      // a bare query (url.query) leaves the path to its own attribute
      path: nameValue(path ?? lookup(span, 'url.path')),
      url: recordedUrl(span),
    };
  }
  return null;
}

function dtmCallFromGrpcMetadata(span: FlatSpan): DtmCall | null {
  const gid = nameValue(lookup(span, GRPC_DTM_GID));
  if (gid === null) return null;
  const service = scalarText(lookup(span, 'rpc.service'));
  const method = scalarText(lookup(span, 'rpc.method'));
  return {
    gid,
    transType: lookup(span, GRPC_DTM_TRANS_TYPE),
    branchId: lookup(span, GRPC_DTM_BRANCH_ID),
    op: lookup(span, GRPC_DTM_OP),
    path: nameValue(service !== null && method !== null ? `/${service}/${method}` : span.name),
    url: null,
  };
}

/** The most complete form of the request URL that instrumentation recorded. */
function recordedUrl(span: FlatSpan): string | null {
  const full = urlValue(lookup(span, 'url.full')) ?? urlValue(lookup(span, 'http.url')) ?? urlValue(lookup(span, 'http.target'));
  if (full !== null) return full;
  const path = scalarText(lookup(span, 'url.path'));
  const query = scalarText(lookup(span, 'url.query'));
  return path !== null && query !== null ? urlValue(`${path}?${query.replace(/^\?/, '')}`) : null;
}

/** Length of a leading `scheme://` (/^[a-z][a-z0-9+.-]*:\/\//i), else 0; by hand, as a regex match allocates per span. */
function schemeLength(url: string): number {
  if (!isAsciiLetter(url.charCodeAt(0))) return 0;
  let i = 1;
  for (; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (!(isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d)) break; // 0-9 + . -
  }
  return url.startsWith('://', i) ? i + 3 : 0;
}

function isAsciiLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/**
 * Accepts a full URL (`http://host/p?q`), a path with query (`/p?q`) or a bare
 * query (`q`, `?q`). The path is null for a bare query.
 */
function splitUrl(recorded: string): { path: string | null; query: string } {
  const hash = recorded.indexOf('#');
  const url = (hash === -1 ? recorded : recorded.slice(0, hash)).trim();
  const questionMark = url.indexOf('?');
  const beforeQuery = questionMark === -1 ? url : url.slice(0, questionMark);
  const query = questionMark === -1 ? '' : url.slice(questionMark + 1);

  const scheme = schemeLength(beforeQuery);
  if (scheme > 0) {
    const pathStart = beforeQuery.indexOf('/', scheme);
    return { path: pathStart === -1 ? '/' : beforeQuery.slice(pathStart), query };
  }
  if (beforeQuery.startsWith('/')) return { path: beforeQuery, query };
  // No scheme and no leading slash: the whole value is a query string.
  return { path: null, query: questionMark === -1 ? url : query };
}

interface DtmParams {
  gid: string | undefined;
  transType: string | undefined;
  branchId: string | undefined;
  op: string | undefined;
}

/**
 * The DTM parameters of a query string. The first occurrence of each parameter
 * wins, as in most web frameworks; keys compare after %-decoding. Only the four
 * wanted values are decoded, and plain keys are compared in place, because this
 * runs for most instrumented HTTP spans.
 */
function dtmParams(query: string): DtmParams {
  const params: DtmParams = { gid: undefined, transType: undefined, branchId: undefined, op: undefined };
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    // The key runs to the part's first '='; scanned by hand so that hostile
    // queries stay linear (indexOf would look past the part).
    let keyEnd = start;
    let encoded = false;
    for (; keyEnd < end; keyEnd++) {
      const c = query.charCodeAt(keyEnd);
      if (c === 0x3d) break; // '='
      if (c === 0x25 || c === 0x2b) encoded = true; // '%', '+'
    }
    if (end > start) {
      const name = encoded ? decodedDtmParam(query.slice(start, keyEnd)) : plainDtmParam(query, start, keyEnd);
      if (name !== null && params[name] === undefined) {
        params[name] = keyEnd === end ? '' : decodeQueryComponent(query.slice(keyEnd + 1, end));
      }
    }
    start = end + 1;
  }
  return params;
}

function plainDtmParam(query: string, start: number, end: number): keyof DtmParams | null {
  switch (end - start) {
    case 2: return query.startsWith('op', start) ? 'op' : null;
    case 3: return query.startsWith('gid', start) ? 'gid' : null;
    case 9: return query.startsWith('branch_id', start) ? 'branchId' : null;
    case 10: return query.startsWith('trans_type', start) ? 'transType' : null;
    default: return null;
  }
}

function decodedDtmParam(key: string): keyof DtmParams | null {
  const decoded = decodeQueryComponent(key);
  return decoded.length >= 2 && decoded.length <= 10 ? plainDtmParam(decoded, 0, decoded.length) : null;
}

function decodeQueryComponent(text: string): string {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // malformed %-escape: keep the text as recorded
  }
}
