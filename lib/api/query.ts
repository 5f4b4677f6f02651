/**
 * Query-string contracts of the read API, shared by route handlers and pages so
 * a URL means the same thing in both. Parsing never throws: it returns either
 * the typed query or a message for a 400.
 */
import { z } from 'zod';
import { ANOMALY_KINDS, SAGA_STATUSES } from '../saga/types';
import { parseInstant } from '../time/zone';

/**
 * Years 1–9999 only: JavaScript parses dates far outside what PostgreSQL's
 * timestamptz stores (e.g. year -100000), and the database would reject them.
 */
const MIN_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const inTimeRange = (ms: number) => Number.isInteger(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;

/**
 * An ISO-8601 date-time PostgreSQL can store; shared by every query parser. One
 * without a zone designator is UTC (lib/time/zone.ts parseInstant), never the
 * server's own zone: a URL names the same instant wherever it is opened.
 */
export const isoDate = z
  .string()
  .trim()
  .refine((s) => inTimeRange(parseInstant(s) ?? Number.NaN), { message: 'must be an ISO-8601 date-time (UTC unless it names its zone) between years 1 and 9999' })
  .transform((s) => new Date(parseInstant(s)!));

/**
 * Text PostgreSQL can take as it is: no NUL, and well-formed UTF-16 — a lone
 * surrogate has no UTF-8 form (the driver would quietly send U+FFFD instead, so
 * an id would match something it is not). The collector stores ids cleaned the
 * same way (lib/ingest/clean-text.ts), so refusing these loses no stored saga.
 */
export function pgText(s: string): boolean {
  return s.indexOf('\u0000') === -1 && s.isWellFormed();
}

/** Control characters have no place in a filter (ids may hold them: the collector stores what senders send). */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Non-empty filter text PostgreSQL can take, without control characters. */
export const shortText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s) && s.isWellFormed(), { message: 'must not contain control characters or unpaired surrogates' });

/**
 * `key=<name>:<value>` (DESIGN.md §5): split at the first colon, so a value may
 * hold colons; a name may not. Any text a stored key can hold is accepted
 * (control characters too: a saga page links to each of its keys), but not NUL.
 */
export const keyFilterSchema = z
  .string()
  .max(512, { message: 'must be at most 512 characters' })
  .transform((raw, ctx) => {
    const at = raw.indexOf(':');
    const name = at === -1 ? '' : raw.slice(0, at).trim();
    const value = at === -1 ? '' : raw.slice(at + 1);
    const problem =
      at === -1 ? 'must be <name>:<value>, e.g. key=order_id:ORD-1234'
      : name === '' ? 'the key name before the colon is empty (e.g. key=order_id:ORD-1234)'
      : value.trim() === '' ? `the value after "${name}:" is empty (e.g. key=${name}:ORD-1234)`
      : !pgText(raw) ? 'must not contain NUL or unpaired surrogates'
      : null;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return { name, value };
  });

export const sagaListQuerySchema = z
  .object({
    status: z.enum(SAGA_STATUSES as [string, ...string[]]).optional(),
    name: shortText(200).optional(),
    service: shortText(200).optional(),
    /** A saga id (whole, or a prefix of ≥ 6 characters, any case), a trace id, a span id or a business-key value (lib/search/saga-filter.ts). */
    q: shortText(512).optional(),
    /** One business key, `<name>:<value>`. */
    key: keyFilterSchema.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    anomaly: z.enum(ANOMALY_KINDS as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: shortText(200).optional(),
  })
  // Unknown parameters are dropped, not refused: a link that went through a chat
  // tool or a campaign tracker (`utm_source=…`) still opens (docs/adr/0008-links-and-exports.md).
  .strip()
  .refine((q) => !(q.from && q.to) || q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] });

export type SagaListQuery = z.infer<typeof sagaListQuerySchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Empty strings mean "no filter" (HTML forms submit them). */
export function searchParamsToRecord(params: URLSearchParams | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  for (const [key, raw] of entries) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function parseSagaListQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): Parsed<SagaListQuery> {
  const parsed = sagaListQuerySchema.safeParse(searchParamsToRecord(params));
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error) };
  if (parsed.data.cursor !== undefined && decodeCursor(parsed.data.cursor) === null) {
    return { ok: false, error: 'cursor: not a cursor returned by this API' };
  }
  return { ok: true, value: parsed.data as SagaListQuery };
}

/**
 * Keyset position (newest first): a "next" cursor is the last row of the page
 * before it, a `before` cursor ("Previous page") the first row of the page after
 * it. Opaque to clients, stable in a URL.
 */
export interface Cursor {
  startedAtMs: number;
  id: string;
  /** The page of rows newer than this position (paging back). */
  before?: boolean;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c.before ? [c.startedAtMs, c.id, 'before'] : [c.startedAtMs, c.id])).toString('base64url');
}

export function decodeCursor(s: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    const shape = Array.isArray(v) && (v.length === 2 || (v.length === 3 && v[2] === 'before'));
    if (shape && typeof v[0] === 'number' && inTimeRange(v[0]) && typeof v[1] === 'string' && v[1].length <= 512 && pgText(v[1])) {
      return v.length === 3 ? { startedAtMs: v[0], id: v[1], before: true } : { startedAtMs: v[0], id: v[1] };
    }
  } catch {
    /* fall through */
  }
  return null;
}

const hexId = (len: number) => new RegExp(`^[0-9a-fA-F]{${len}}$`);
export const traceIdSchema = z.string().regex(hexId(32), 'trace id must be 32 hex characters').transform((s) => s.toLowerCase());
/** A saga id (path segment): one the collector can have stored, so anything else is a 400, not a database error. */
export const sagaIdSchema = z.string().min(1).max(512).refine(pgText, { message: 'must not contain NUL or unpaired surrogates' });
