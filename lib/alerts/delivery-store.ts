/**
 * The delivery worker's side of alert_deliveries. A delivery is claimed in one
 * short statement (FOR UPDATE SKIP LOCKED: several collectors never take the
 * same one) that counts the attempt and pushes next_attempt_at out by a lease;
 * the HTTP call happens outside any transaction; the outcome is recorded only
 * if the row is still the attempt this worker claimed. A worker that dies
 * mid-call leaves the row to be claimed again when the lease ends.
 */
import type { Sql } from '../db/connection';

export interface ClaimedDelivery {
  id: string;
  sagaId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** This attempt's number (1 = first). */
  attempt: number;
  rule: { id: string; name: string; kind: string; webhookUrl: string; secret: string };
}

interface ClaimRow {
  id: string;
  saga_id: string | null;
  payload: Record<string, unknown> | string;
  created_at: Date | string;
  attempts: number;
  rule_id: string;
  rule_name: string;
  kind: string;
  webhook_url: string;
  secret: string;
}

/**
 * Gives up deliveries that can no longer be sent: their rule was disabled, or
 * their last attempt ran out of lease without an outcome (the sender stopped)
 * and no attempt is left.
 */
export async function abandonUnsendable(sql: Sql, nowMs: number, maxAttempts: number): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `WITH gone AS (
       UPDATE alert_deliveries d
          SET state = 'failed',
              last_error = CASE WHEN r.enabled THEN 'no outcome recorded for the last attempt (the sender stopped during it)'
                                ELSE 'rule disabled before the delivery was sent' END
         FROM alert_rules r
        WHERE r.id = d.rule_id AND d.state = 'pending'
          AND (NOT r.enabled OR (d.attempts >= $2 AND d.next_attempt_at <= to_timestamp($1::float8 / 1000)))
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [nowMs, maxAttempts],
  );
  return rows[0]?.n ?? 0;
}

export async function claimDueDeliveries(sql: Sql, nowMs: number, opts: { limit: number; leaseMs: number; maxAttempts: number }): Promise<ClaimedDelivery[]> {
  const rows = await sql.query<ClaimRow>(
    `WITH due AS (
       SELECT d.id FROM alert_deliveries d
        WHERE d.state = 'pending' AND d.next_attempt_at <= to_timestamp($1::float8 / 1000) AND d.attempts < $4
        ORDER BY d.next_attempt_at, d.id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE alert_deliveries d
        SET attempts = d.attempts + 1,
            last_attempt_at = to_timestamp($1::float8 / 1000),
            next_attempt_at = to_timestamp(($1::float8 + $3::float8) / 1000)
       FROM due, alert_rules r
      WHERE d.id = due.id AND r.id = d.rule_id AND r.enabled
      RETURNING d.id::text AS id, d.saga_id, d.payload, d.created_at, d.attempts, r.id::text AS rule_id, r.name AS rule_name,
                r.kind::text AS kind, r.webhook_url, r.secret`,
    [nowMs, opts.limit, opts.leaseMs, opts.maxAttempts],
  );
  return rows
    .map((r) => ({
      id: r.id,
      sagaId: r.saga_id,
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
      createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
      attempt: r.attempts,
      rule: { id: r.rule_id, name: r.rule_name, kind: r.kind, webhookUrl: r.webhook_url, secret: r.secret },
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** PostgreSQL text holds no NUL; receiver-supplied text is kept short. */
function storable(text: string | null, max = 500): string | null {
  if (text === null) return null;
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\u0000/g, '').replace(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string; nextAttemptMs: number }
  | { kind: 'failed'; status: number | null; error: string };

/** Records an attempt's outcome; false when the row is no longer this attempt (lease expired and re-claimed, rule deleted). */
export async function recordAttempt(sql: Sql, id: string, attempt: number, nowMs: number, outcome: AttemptOutcome): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE alert_deliveries
        SET state = $4::"AlertDeliveryState",
            last_status = $5,
            last_error = $6,
            delivered_at = CASE WHEN $4 = 'delivered' THEN to_timestamp($3::float8 / 1000) ELSE NULL END,
            next_attempt_at = CASE WHEN $4 = 'pending' THEN to_timestamp($7::float8 / 1000) ELSE next_attempt_at END
      WHERE id = $1::bigint AND attempts = $2 AND state = 'pending'
      RETURNING id::text AS id`,
    [
      id,
      attempt,
      nowMs,
      outcome.kind === 'retry' ? 'pending' : outcome.kind,
      outcome.status,
      outcome.kind === 'delivered' ? null : storable(outcome.error),
      outcome.kind === 'retry' ? outcome.nextAttemptMs : nowMs,
    ],
  );
  return rows.length > 0;
}
