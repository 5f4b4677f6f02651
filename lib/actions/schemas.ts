/**
 * Request bodies of the manual-action routes (DESIGN.md §5):
 *   POST /api/sagas/{id}/actions   { action, step?, reason, dryRun? }
 *   POST /api/sagas/actions        { filter, action, step?, reason, dryRun?, limit? }
 * `reason` (3 to 500 characters) is required to act; a dry run may omit it,
 * since the operator types the reason after seeing the preview.
 */
import { z } from 'zod';
import { MAX_BATCH } from './run';

const reason = z
  .string()
  .trim()
  .min(3, 'the reason must be 3 to 500 characters')
  .max(500, 'the reason must be 3 to 500 characters');

const needsReason = <T extends { dryRun: boolean; reason?: string }>(b: T) => b.dryRun || b.reason !== undefined;
const NEEDS_REASON = { path: ['reason'], message: 'a reason (3 to 500 characters) is required to act' };

export const actionKindSchema = z.enum(['retry', 'compensate']);

export const actionBodySchema = z
  .object({
    action: actionKindSchema,
    /** Step display name or key; omitted: the whole saga ("compensate saga"). */
    step: z.string().trim().min(1).max(512).optional(),
    reason: reason.optional(),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine(needsReason, NEEDS_REASON);

export type ActionBody = z.infer<typeof actionBodySchema>;

const filterText = z.string().max(512).optional();

/** The saga list's filters (GET /api/sagas), with the same meaning; paging is not part of a selection. */
export const batchFilterSchema = z
  .object({ status: filterText, name: filterText, service: filterText, anomaly: filterText, from: filterText, to: filterText, q: filterText })
  .strict();

export const batchBodySchema = z
  .object({
    filter: batchFilterSchema.default({}),
    action: actionKindSchema,
    step: z.string().trim().min(1).max(512).optional(),
    reason: reason.optional(),
    dryRun: z.boolean().default(false),
    /** Newest first, at most this many sagas. */
    limit: z.number().int().min(1).max(MAX_BATCH).default(20),
  })
  .strict()
  .refine(needsReason, NEEDS_REASON);

export type BatchBody = z.infer<typeof batchBodySchema>;
