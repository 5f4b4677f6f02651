/** `GET /api/audit` query parameters (zod; unknown parameters are ignored, known ones validated). */
import { z } from 'zod';
import { formatZodError, isoDate, searchParamsToRecord, shortText, type Parsed } from './query';


export const auditListQuerySchema = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    actor: shortText(200).optional(),
    /** `auth` matches auth.login, auth.logout … */
    action: z.string().regex(/^[a-z][a-z0-9_.]*$/, 'lower-case dotted words').max(100).optional(),
    saga: shortText(512).optional(),
    outcome: shortText(50).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** seq of the last entry of the previous page. */
    cursor: z.string().regex(/^\d{1,15}$/, 'not a cursor returned by this API').optional(),
  })
  .strip()
  .refine((q) => !(q.from && q.to) || q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] });

export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

export function parseAuditListQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): Parsed<AuditListQuery> {
  const parsed = auditListQuerySchema.safeParse(searchParamsToRecord(params));
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: formatZodError(parsed.error) };
}
