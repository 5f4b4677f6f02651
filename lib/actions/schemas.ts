/**
 * Request bodies of the manual-action routes (DESIGN.md §5):
 *   POST /api/sagas/{id}/actions   { action, step?, reason, dryRun?, planId?, override? }
 *   POST /api/sagas/actions        preview: { filter, action, step?, dryRun: true, limit? }
 *                                  act:     { selection, action, step?, reason, filter? }
 * `reason` (3 to 500 characters) is required to act; a dry run may omit it,
 * since the operator types the reason after seeing the preview. Acting needs
 * what the preview returned: its `planId` (one saga) or its `selection` (batch).
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

/** Branch actions (also in batches). */
export const actionKindSchema = z.enum(['retry', 'compensate']);
/** One saga: branch actions, or the coordinator's controls for a saga DTM runs. */
export const sagaActionKindSchema = z.enum(['retry', 'compensate', 'coordinator.retry_now', 'coordinator.stop', 'coordinator.abort']);

const planIdSchema = z.string().regex(/^pl_[\w-]{32}$/, 'planId: the `planId` of a preview (pl_…)');
const NEEDS_PLAN = {
  path: ['planId'],
  message: 'a real run confirms a preview: preview first (dryRun: true) and send the planId it returned',
};

export const actionBodySchema = z
  .object({
    action: sagaActionKindSchema,
    /** Step display name or key; omitted: the whole saga ("compensate saga"). */
    step: z.string().trim().min(1).max(512).optional(),
    reason: reason.optional(),
    dryRun: z.boolean().default(false),
    planId: planIdSchema.optional(),
    /** Admins only, for an overridable safety rule: the saga id typed again (lib/actions/safety.ts). */
    override: z.object({ sagaId: z.string().min(1).max(512) }).strict().optional(),
  })
  .strict()
  .refine(needsReason, NEEDS_REASON)
  .refine((b) => b.dryRun || b.planId !== undefined, NEEDS_PLAN)
  .refine((b) => !b.action.startsWith('coordinator.') || b.step === undefined, {
    path: ['step'],
    message: "the coordinator's controls act on the whole transaction: send no step",
  });

export type ActionBody = z.infer<typeof actionBodySchema>;

const filterText = z.string().max(512).optional();

/** The saga list's filters (GET /api/sagas), with the same meaning; paging is not part of a selection. */
export const batchFilterSchema = z
  .object({ status: filterText, name: filterText, service: filterText, anomaly: filterText, from: filterText, to: filterText, q: filterText, key: filterText })
  .strict();

export const batchBodySchema = z
  .object({
    filter: batchFilterSchema.default({}),
    action: actionKindSchema,
    step: z.string().trim().min(1).max(512).optional(),
    reason: reason.optional(),
    dryRun: z.boolean().default(false),
    /** Preview: newest first, at most this many sagas. */
    limit: z.number().int().min(1).max(MAX_BATCH).default(20),
    /** Real run: exactly the `selection` its preview returned. */
    selection: z
      .array(z.object({ sagaId: z.string().min(1).max(512), planId: planIdSchema }).strict())
      .min(1, 'selection: the preview selected no saga to act on')
      .max(MAX_BATCH)
      .refine((sel) => new Set(sel.map((s) => s.sagaId)).size === sel.length, 'selection: each saga once')
      .optional(),
  })
  .strict()
  .refine(needsReason, NEEDS_REASON)
  .refine((b) => b.dryRun || b.selection !== undefined, {
    path: ['selection'],
    message: 'a real run acts on what its preview showed: preview first (dryRun: true) and send the `selection` it returned',
  })
  .refine((b) => !b.dryRun || b.selection === undefined, { path: ['selection'], message: 'a preview selects by `filter`, not by `selection`' });

export type BatchBody = z.infer<typeof batchBodySchema>;
