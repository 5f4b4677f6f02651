/**
 * A span as stored: the decoded FlatSpan plus its saga fields and service, with
 * attributes already serialised to JSON text. Built once per span at the edge,
 * so the write path only moves strings.
 */
import { createHash } from 'node:crypto';
import type { FlatSpan, Attributes } from '../otlp/types';
import type { SagaFields } from '../saga/types';
import * as sagaAttributes from '../saga/attributes';
import * as text from './clean-text';
import * as spanLimits from './limits';
import type { SpanLimits } from './limits';
import { keyExtractorFor, sameKeys, type KeyExtractor } from '../search/keys';
import { keepHiddenClasses } from '../runtime/hidden-classes';

// Under tsx (how the collector runs) modules compile to CommonJS, where each use
// of an imported name reads through two getters; this runs per span, so the
// imports are bound once here.
const { extractSagaFields } = sagaAttributes;
const { cleanText, toJsonText } = text;
const { DEFAULT_SPAN_LIMITS, limitAttributes, limitSpan } = spanLimits;

/** The COPY text of a chunk of rows, built on an ingest worker (lib/ingest/copy-block.ts, ADR 0014). */
export interface CopyBlock {
  /** The COPY text lines of the block's rows, one after the other. */
  bytes: Uint8Array;
  /** starts[i]..starts[i+1]: line i (length rows + 1). */
  starts: Uint32Array;
  /** Where line i's saga_id field begins. */
  sagaAt: Uint32Array;
  /** The resources the block's rows point at: id → attributes JSON. */
  resources: Map<string, string>;
  /**
   * Business-key COPY lines (table saga_keys) of the rows that named their
   * saga, after the span lines, each saga's in one block only: the lines that
   * line r carries are keyStarts[i]..keyStarts[i+1] for i = keyLine[r], none
   * when it is -1 (a saga's lines ride on one of its rows). Those rows travel
   * without their keys. An index per row, not a map by saga id: the map cost
   * a structured clone and a lookup per row on the main thread.
   */
  keyLine: Int32Array;
  keyStarts: Uint32Array;
}

export interface SpanRow extends SagaFields {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  statusCode: number;
  statusMessage: string | null;
  scope: string | null;
  attributesJson: string;
  /** Content hash of resourceJson: the key of table `resources`. */
  resourceId: string;
  resourceJson: string;
  eventsJson: string | null;
  /** Business keys of the span and its resource, flat [name, value, …] (lib/search/keys.ts); null when none. */
  keys: string[] | null;
  /**
   * Set only on rows whose sagaId was inherited (lib/ingest/inherit-saga-ids.ts):
   * their distribution key stays the trace's, as if they had none (shardKeyOf).
   */
  inheritedSaga?: true;
  /**
   * Set on rows an ingest worker encoded (lib/ingest/copy-block.ts): the row's
   * COPY line is line `line` of `block`, and its attributes, events, resource
   * JSON and scope are there only (the fields here are left empty).
   */
  block?: CopyBlock;
  line?: number;
}

/**
 * The span's distribution key (`spans.shard_key`, ADR 0013): its own saga id as
 * sent, else `trace:<trace_id>`. A function of the span's own data only, never of
 * what else came in the batch, so every re-send of a span has the same key, and
 * the primary key (trace_id, span_id, shard_key) dedupes it whether the first copy
 * has been adopted into a saga since or not.
 */
export function shardKeyOf(r: Pick<SpanRow, 'traceId' | 'sagaId' | 'inheritedSaga'>): string {
  return r.sagaId !== null && r.inheritedSaga !== true ? r.sagaId : 'trace:' + r.traceId;
}

// A hash is made per resource and gets its fields after construction (lib/runtime/hidden-classes.ts).
keepHiddenClasses(createHash('sha256'));

const UNKNOWN_SERVICE = 'unknown_service';

function serviceOf(resource: Attributes): string {
  const name = resource['service.name'];
  return typeof name === 'string' && name.length > 0 ? cleanText(name) : UNKNOWN_SERVICE;
}

const cleanOrNull = (v: string | null) => (v === null ? null : cleanText(v));

const SHARED_KEY_ARRAYS = 4;

/**
 * The span's keys: the first `n` entries of `scratch`, as the array a span of
 * the same saga already holds when it has the same keys, else as a new one.
 */
function shared(arrays: Map<string | null, string[][]>, sagaId: string | null, scratch: readonly string[], n: number): string[] | null {
  if (n === 0) return null;
  let list = arrays.get(sagaId);
  if (list === undefined) arrays.set(sagaId, (list = []));
  for (const a of list) if (sameKeys(a, scratch, n)) return a;
  const keys = scratch.slice(0, n);
  if (list.length < SHARED_KEY_ARRAYS) list.push(keys);
  return keys;
}

/**
 * Where an ingest worker collects the key lines of the rows that name their
 * saga as the rows are made: KeyLines (lib/search/key-writer.ts), which
 * imports this module's types, so it is named here by what it does.
 */
export interface KeyLineSink {
  /** The keys that are the first `n` entries of `flat`, as an array of their own (see KeyLines.addFlat). */
  addFlat(sagaId: string, flat: readonly string[], n: number): string[];
}

// One object literal with every field (no spreads): spreading a 14-field object
// and adding 14 more made V8 build slow dictionary-mode objects, and the
// collector builds one of these per span.
/**
 * `tally.truncated` counts spans cut down to the limits (lib/ingest/limits.ts).
 * `keys` finds the business keys (SAGASCOPE_KEY_ATTRIBUTES; default list when omitted).
 * `lines`, on an ingest worker: collects the key lines of the rows that name
 * their saga as the rows are made (what keyLinesOf, lib/ingest/copy-block.ts,
 * makes from finished rows), and gives those rows their key arrays.
 */
export function toSpanRows(
  input: readonly FlatSpan[], limits: SpanLimits = DEFAULT_SPAN_LIMITS, tally?: { truncated: number }, keys: KeyExtractor = keyExtractorFor(),
  lines?: KeyLineSink,
): SpanRow[] {
  // Spans of one ResourceSpans share one resource object: serialise it (and find its keys) once.
  const resourceJson = new Map<Attributes, { json: string; id: string; service: string; keys: string[] | null }>();
  const rows: SpanRow[] = [];
  // Spans of one saga with the same keys share one array: the hand-off to the
  // main thread clones it once, and the key writer (lib/search/key-writer.ts)
  // skips it at a glance. A few arrays per saga are kept to compare against.
  const keyArrays = new Map<string | null, string[][]>();
  // Each span's keys are found here first (KeyExtractor.extractInto).
  const scratch: string[] = [];
  for (const original of input) {
    const s = limitSpan(original, limits);
    if (s !== original && tally) tally.truncated++;
    let res = resourceJson.get(s.resource);
    if (!res) {
      const json = toJsonText(limitAttributes(s.resource, limits).attributes);
      res = { json, id: createHash('sha256').update(json).digest('base64url').slice(0, 32), service: serviceOf(s.resource), keys: keys.extract(s.resource) };
      resourceJson.set(s.resource, res);
    }
    const f = extractSagaFields(s);
    const sagaId = cleanOrNull(f.sagaId);
    const n = keys.extractInto(s.attributes, res.keys, scratch);
    const spanKeys = lines !== undefined && sagaId !== null && n > 0 ? lines.addFlat(sagaId, scratch, n) : shared(keyArrays, sagaId, scratch, n);
    rows.push({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      service: res.service,
      name: cleanText(s.name),
      kind: s.kind,
      startMs: s.startMs,
      endMs: s.endMs,
      statusCode: s.statusCode,
      statusMessage: cleanOrNull(s.statusMessage),
      scope: cleanOrNull(s.scope),
      attributesJson: toJsonText(s.attributes),
      resourceId: res.id,
      resourceJson: res.json,
      eventsJson: s.events && s.events.length > 0 ? toJsonText(s.events) : null,
      keys: spanKeys,
      sagaId,
      sagaName: cleanOrNull(f.sagaName),
      protocol: f.protocol,
      role: f.role,
      step: cleanOrNull(f.step),
      stepIndex: f.stepIndex,
      branchId: cleanOrNull(f.branchId),
      op: f.op,
      attempt: f.attempt,
      result: f.result,
      actionUrl: cleanOrNull(f.actionUrl),
      compensateUrl: cleanOrNull(f.compensateUrl),
      idempotencyKey: cleanOrNull(f.idempotencyKey),
      trigger: f.trigger,
      zeroCode: f.zeroCode,
    });
  }
  return rows;
}
