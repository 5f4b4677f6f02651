/**
 * DTM's HTTP API answers, exactly as DTM serialises them, parsed with zod at
 * the boundary (anything else is "DTM answered garbage", never a crash).
 *
 * Sources (dtm-labs/dtm):
 * - dtmsvr/api_http.go: `GET /api/dtmsvr/query?gid=` → {"transaction": TransGlobalStore | null,
 *   "branches": TransBranchStore[]}; `GET /api/dtmsvr/all?position=&limit=&status=` →
 *   {"transactions": TransGlobalStore[], "next_position": string} (newest first, "" when done;
 *   older servers ignore `status`); `POST resetNextCronTime`, `forceStop`, `abort` with {gid, …}.
 * - dtmsvr/storage/trans.go: the JSON names of trans_global / trans_branch_op columns
 *   (gid, trans_type, status, rollback_reason, next_cron_interval, next_cron_time, options…;
 *   branch_id, op, url, status, finish_time…), plus dtmutil.ModelBase (id, create_time, update_time)
 *   and the embedded dtmcli.TransOptions (retry_interval, timeout_to_fail…).
 * - dtmcli/consts.go: statuses prepared, submitted, succeed, failed, aborting.
 * - dtmutil WrapHandler2: an error answers 409 {"dtm_result":"FAILURE","message"} (ErrFailure),
 *   425 ONGOING, else 500 {"message"}; a nil result answers 200 {"dtm_result":"SUCCESS"}.
 * Times are Go's time.Time in JSON (RFC 3339 with nanoseconds); pointers that are nil are omitted.
 */
import { z } from 'zod';
import { COORDINATOR_STATUSES, type CoordinatorStatus } from '../saga/types';

const text = (max: number) => z.string().max(max);
/** A Go *time.Time: omitted when nil; zero times ("0001-01-01T00:00:00Z") mean unset too. */
const goTime = z
  .string()
  .max(64)
  .nullish()
  .transform((v, ctx) => {
    if (v === undefined || v === null || v === '' || v.startsWith('0001-01-01')) return null;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a time: ${v.slice(0, 40)}` });
      return z.NEVER;
    }
    return ms;
  });
const status = z.enum(COORDINATOR_STATUSES as [CoordinatorStatus, ...CoordinatorStatus[]]);

export const dtmTransactionSchema = z.object({
  id: z.number().int().nonnegative().optional(),
  create_time: goTime,
  update_time: goTime,
  gid: text(512).min(1),
  trans_type: text(32).default(''),
  status,
  protocol: text(32).optional(),
  finish_time: goTime,
  rollback_time: goTime,
  rollback_reason: text(4096).optional(),
  /** JSON of dtmcli.TransOptions as stored in the options column. */
  options: text(16_384).optional(),
  next_cron_interval: z.number().int().nonnegative().optional(),
  next_cron_time: goTime,
  retry_interval: z.number().int().nonnegative().optional(),
  timeout_to_fail: z.number().int().nonnegative().optional(),
  concurrent: z.boolean().optional(),
});
export type DtmTransaction = z.infer<typeof dtmTransactionSchema>;

export const dtmBranchSchema = z.object({
  id: z.number().int().nonnegative().optional(),
  create_time: goTime,
  update_time: goTime,
  gid: text(512).optional(),
  url: text(4096).default(''),
  branch_id: text(64).default(''),
  op: text(32).min(1),
  status,
  finish_time: goTime,
  rollback_time: goTime,
});
export type DtmBranch = z.infer<typeof dtmBranchSchema>;

/** A transaction DTM does not know answers {"transaction": null, "branches": []}. */
export const dtmQuerySchema = z.object({
  transaction: dtmTransactionSchema.nullable(),
  branches: z.array(dtmBranchSchema).max(10_000).nullable().transform((b) => b ?? []),
});
export type DtmQuery = z.infer<typeof dtmQuerySchema>;

export const dtmAllSchema = z.object({
  transactions: z.array(dtmTransactionSchema).max(1_000).nullable().transform((t) => t ?? []),
  next_position: z.union([z.string().max(256), z.number()]).nullish().transform((p) => (p === null || p === undefined ? '' : String(p))),
});
export type DtmAll = z.infer<typeof dtmAllSchema>;

/** The answer of a control call (resetNextCronTime, forceStop, abort). */
export const dtmControlSchema = z.object({
  dtm_result: z.string().max(32).optional(),
  message: z.string().max(4096).optional(),
});
