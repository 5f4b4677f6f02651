/**
 * `GET /api/export` query parameters, per kind. Like every other URL of the
 * product, unknown parameters are ignored (a link pasted through a chat tool
 * keeps working) and known ones validated (a 400 with the reason). What an
 * export applied is never a guess: its manifest and audit entry list exactly
 * the filters used (`specFilters`), so a misspelt filter shows as absent there.
 */
import { z } from 'zod';
import { ANOMALY_KINDS, SAGA_STATUSES } from '../saga/types';
import { formatZodError, isoDate, searchParamsToRecord, shortText, type Parsed } from '../api/query';
import { EXPORT_FORMATS } from './format';
import { EXPORT_KINDS } from './kinds';

const text = shortText;

const common = {
  kind: z.enum(EXPORT_KINDS),
  format: z.enum(EXPORT_FORMATS).default('ndjson'),
  from: isoDate.optional(),
  to: isoDate.optional(),
};

const fromBeforeTo = (q: { from?: Date; to?: Date }) => !(q.from && q.to) || q.from <= q.to;
const ORDER = { message: '`from` must not be after `to`', path: ['from'] };

export const sagaExportSchema = z
  .object({
    ...common,
    kind: z.literal('sagas'),
    status: z.enum(SAGA_STATUSES as [string, ...string[]]).optional(),
    name: text(200).optional(),
    service: text(200).optional(),
    q: text(512).optional(),
    anomaly: z.enum(ANOMALY_KINDS as [string, ...string[]]).optional(),
  })
  .strip()
  .refine(fromBeforeTo, ORDER);

export const spanExportSchema = z
  .object({
    ...common,
    kind: z.literal('spans'),
    saga: text(512).optional(),
    service: text(200).optional(),
    traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'trace id must be 32 hex characters').transform((s) => s.toLowerCase()).optional(),
  })
  .strip()
  .refine(fromBeforeTo, ORDER);

export const auditExportSchema = z
  .object({
    ...common,
    kind: z.literal('audit'),
    actor: text(200).optional(),
    action: z.string().regex(/^[a-z][a-z0-9_.]*$/, 'lower-case dotted words').max(100).optional(),
    saga: text(512).optional(),
    outcome: text(50).optional(),
  })
  .strip()
  .refine(fromBeforeTo, ORDER);

export type SagaExport = z.infer<typeof sagaExportSchema>;
export type SpanExport = z.infer<typeof spanExportSchema>;
export type AuditExport = z.infer<typeof auditExportSchema>;
export type ExportSpec = SagaExport | SpanExport | AuditExport;

export function parseExportQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): Parsed<ExportSpec> {
  const raw = searchParamsToRecord(params);
  const kind = z.enum(EXPORT_KINDS).safeParse(raw.kind);
  if (!kind.success) return { ok: false, error: `kind: must be one of ${EXPORT_KINDS.join(', ')}` };
  const schema = kind.data === 'sagas' ? sagaExportSchema : kind.data === 'spans' ? spanExportSchema : auditExportSchema;
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: formatZodError(parsed.error) };
}

/** The filters of a spec as plain strings (manifest, audit entry): what the export was asked for. */
export function specFilters(spec: ExportSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'kind' || k === 'format' || v === undefined) continue;
    out[k] = v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}
