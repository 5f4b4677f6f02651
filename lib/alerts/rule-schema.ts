/**
 * What an admin may configure as an alert rule, checked with zod at the API
 * boundary and again when a stored rule is patched (the merged rule must still
 * be a valid rule of its kind). The webhook URL's host is checked against
 * SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS separately (lib/alerts/policy.ts): that
 * depends on configuration, this does not.
 */
import { z } from 'zod';
import { ANOMALY_KINDS, type AnomalyKind } from '../saga/types';

export const ALERT_RULE_KINDS = ['status', 'anomaly', 'failure_rate'] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

/** The statuses a status rule may fire on: the two that need a human. */
export const ALERT_STATUSES = ['failed', 'stuck'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const plainText = (max: number) =>
  z.string().trim().min(1).max(max).refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain control characters' });

/** Empty or absent: every saga. */
const sagaName = z
  .union([plainText(200), z.literal(''), z.null()])
  .optional()
  .transform((v) => (v ? v : null));

export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { message: 'must be an absolute http:// or https:// URL' });

/** A non-empty set, duplicates folded. */
const setOf = <T extends string>(values: readonly T[]) =>
  z
    .array(z.enum(values as unknown as [T, ...T[]]))
    .min(1, { message: 'choose at least one' })
    .max(values.length * 4)
    .transform((a) => [...new Set(a)]);

const common = {
  name: plainText(100),
  enabled: z.boolean().default(true),
  sagaName,
  webhookUrl: webhookUrlSchema,
};

export const statusRuleSchema = z.object({ ...common, kind: z.literal('status'), statuses: setOf(ALERT_STATUSES) }).strict();

export const anomalyRuleSchema = z
  .object({ ...common, kind: z.literal('anomaly'), anomalies: setOf<AnomalyKind>(ANOMALY_KINDS) })
  .strict();

export const failureRateRuleSchema = z
  .object({
    ...common,
    kind: z.literal('failure_rate'),
    /** Fires when failed / finished is strictly above this. */
    threshold: z.number().gt(0).lte(1),
    windowMinutes: z.number().int().min(1).max(1440),
    minSagas: z.number().int().min(1).max(1_000_000).default(1),
  })
  .strict();

/** The body of POST /api/admin/alerts. */
export const alertRuleInputSchema = z.discriminatedUnion('kind', [statusRuleSchema, anomalyRuleSchema, failureRateRuleSchema]);
export type AlertRuleInput = z.output<typeof alertRuleInputSchema>;

/**
 * The body of PATCH /api/admin/alerts/[id]: any field of the rule except its
 * kind, and `rotateSecret: true` for a new signing secret (shown once).
 */
export const alertRulePatchSchema = z
  .object({
    name: common.name.optional(),
    enabled: z.boolean().optional(),
    sagaName: z.union([plainText(200), z.literal(''), z.null()]).optional(),
    webhookUrl: webhookUrlSchema.optional(),
    statuses: z.array(z.string()).optional(),
    anomalies: z.array(z.string()).optional(),
    threshold: z.number().optional(),
    windowMinutes: z.number().optional(),
    minSagas: z.number().optional(),
    rotateSecret: z.literal(true).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change' });
export type AlertRulePatch = z.output<typeof alertRulePatchSchema>;

/** The stored definition of a rule (kind-specific fields null when not its kind). */
export interface AlertRuleDefinition {
  name: string;
  kind: AlertRuleKind;
  enabled: boolean;
  sagaName: string | null;
  statuses: string[];
  anomalies: string[];
  threshold: number | null;
  windowMinutes: number | null;
  minSagas: number | null;
  webhookUrl: string;
}

/** Stored definition → the input shape of its kind (for re-validation after a patch). */
function asInput(d: AlertRuleDefinition): Record<string, unknown> {
  const base = { name: d.name, enabled: d.enabled, sagaName: d.sagaName, webhookUrl: d.webhookUrl, kind: d.kind };
  if (d.kind === 'status') return { ...base, statuses: d.statuses };
  if (d.kind === 'anomaly') return { ...base, anomalies: d.anomalies };
  return { ...base, threshold: d.threshold, windowMinutes: d.windowMinutes, minSagas: d.minSagas };
}

/** A patch applied to a stored rule: the whole result validated as a rule of the same kind. */
export function applyRulePatch(
  stored: AlertRuleDefinition,
  patch: AlertRulePatch,
): { ok: true; value: AlertRuleDefinition } | { ok: false; error: z.ZodError } {
  const { rotateSecret: _rotate, ...fields } = patch;
  const merged = { ...asInput(stored), ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
  const parsed = alertRuleInputSchema.safeParse(merged);
  if (!parsed.success) return { ok: false, error: parsed.error };
  return { ok: true, value: definitionOf(parsed.data) };
}

export function definitionOf(input: AlertRuleInput): AlertRuleDefinition {
  return {
    name: input.name,
    kind: input.kind,
    enabled: input.enabled,
    sagaName: input.sagaName,
    statuses: input.kind === 'status' ? input.statuses : [],
    anomalies: input.kind === 'anomaly' ? input.anomalies : [],
    threshold: input.kind === 'failure_rate' ? input.threshold : null,
    windowMinutes: input.kind === 'failure_rate' ? input.windowMinutes : null,
    minSagas: input.kind === 'failure_rate' ? input.minSagas : null,
    webhookUrl: input.webhookUrl,
  };
}
