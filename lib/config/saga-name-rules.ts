/**
 * SAGASCOPE_SAGA_NAME_RULES: names for sagas without `saga.name` (zero-code DTM
 * sagas), applied where the saga model decides the name, so the summary written
 * on ingest and the page built on read agree (lib/saga/zero-code-name.ts).
 *
 * A JSON array, first match wins:
 *   [{"name":"transfer","route":"/api/busi/TransOut"},{"name":"refund","gid":"^refund-"}]
 * `gid`: a regular expression tested against the saga id; `route`: a prefix of
 * the saga's route (the path of its first forward branch, id-like segments as
 * `:id`). A rule needs at least one of them; with both it needs both.
 */
import { z } from 'zod';
import { compileNameRule } from '../saga/zero-code-name';
import type { SagaNameRule } from '../saga/types';

const ruleSchema = z
  .object({
    name: z.string().trim().min(1).max(512),
    gid: z.string().min(1).max(1000).optional(),
    route: z.string().startsWith('/').max(1000).optional(),
  })
  .strict()
  .refine((r) => r.gid !== undefined || r.route !== undefined, { message: 'a rule needs "gid" or "route"' });

const rulesSchema = z.array(ruleSchema).max(500);

export const sagaNameRulesSetting = z
  .string()
  .default('')
  .transform((text, ctx): SagaNameRule[] => {
    if (text.trim() === '') return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {"name", "gid"?, "route"?} rules' });
      return z.NEVER;
    }
    const parsed = rulesSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `[${issue.path.join('.')}] ${issue.message}` });
      return z.NEVER;
    }
    const rules: SagaNameRule[] = [];
    for (const [i, input] of parsed.data.entries()) {
      try {
        rules.push(compileNameRule(input));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `[${i}.gid] not a valid regular expression: ${(err as Error).message}` });
        return z.NEVER;
      }
    }
    return rules;
  });
