/** Query string of GET /api/admin/alerts/deliveries (also read by the /admin/alerts page). */
import { z } from 'zod';
import { formatZodError, searchParamsToRecord, type Parsed } from '../api/query';
import type { DeliveryQuery } from './store';

export const deliveryQuerySchema = z
  .object({
    rule: z.uuid().optional(),
    state: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** The id of the last delivery of the previous page. */
    cursor: z.string().regex(/^[1-9]\d{0,18}$/, 'not a cursor returned by this API').optional(),
  })
  .strict();

export function parseDeliveryQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): Parsed<DeliveryQuery> {
  const parsed = deliveryQuerySchema.safeParse(searchParamsToRecord(params));
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error) };
  const { rule, ...rest } = parsed.data;
  return { ok: true, value: { ...rest, ruleId: rule } };
}
