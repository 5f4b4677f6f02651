/**
 * Failure-rate rules, evaluated from the saga rollups (series saga: sagas by
 * start minute and status), never from raw sagas. Each rule is decided inside
 * a transaction holding its row lock, so several collectors evaluating at once
 * start (and end) an episode once; the delivery's dedup key is the episode's
 * start, so even a repeated decision queues one delivery.
 */
import type { Db, Sql } from '../db/connection';
import { SERIES } from '../stats/series';
import { decideRate, failureRateOf, finishedOf, type RateCounts } from './rate';

interface RateRuleRow {
  id: string;
  name: string;
  saga_name: string | null;
  threshold: number;
  window_minutes: number;
  min_sagas: number;
  firing: boolean;
  firing_since: Date | string | null;
}

export interface RateEvaluation {
  ruleId: string;
  decision: 'fire' | 'resolve' | 'none';
  counts: RateCounts;
}

/** Sagas that started within the last `windowMinutes` minutes (by rollup minute) and finished, by final status. */
async function windowCounts(sql: Sql, sagaName: string | null, windowMinutes: number, nowMs: number): Promise<RateCounts> {
  const rows = await sql.query<{ k1: string; n: string | number }>(
    `SELECT k1, sum(calls)::bigint AS n FROM rollup_counts_all
      WHERE series = $1 AND minute > to_timestamp($2::float8 / 1000) - make_interval(mins => $3::int)
        AND minute <= to_timestamp($2::float8 / 1000)
        AND ($4::text IS NULL OR saga_name = $4::text)
        AND k1 IN ('committed', 'compensated', 'failed')
      GROUP BY k1`,
    [SERIES.saga, nowMs, windowMinutes, sagaName],
  );
  const counts: RateCounts = { committed: 0, compensated: 0, failed: 0 };
  for (const r of rows) counts[r.k1 as keyof RateCounts] = Number(r.n);
  return counts;
}

export async function evaluateRateRules(db: Db, nowMs: number): Promise<RateEvaluation[]> {
  const ids = await db.query<{ id: string }>(`SELECT id::text AS id FROM alert_rules WHERE kind = 'failure_rate' AND (enabled OR firing) ORDER BY id`);
  const out: RateEvaluation[] = [];
  for (const { id } of ids) {
    const evaluation = await db.transaction(async (tx): Promise<RateEvaluation | null> => {
      const [rule] = await tx.query<RateRuleRow & { enabled: boolean }>(
        `SELECT id::text AS id, name, saga_name, threshold, window_minutes, min_sagas, firing, firing_since, enabled
           FROM alert_rules WHERE id = $1::uuid AND kind = 'failure_rate' FOR UPDATE`,
        [id],
      );
      if (!rule || rule.window_minutes === null) return null;
      if (!rule.enabled) {
        // Disabled mid-episode: the episode ends without a "resolved" delivery (nobody wants alerts from it any more).
        await tx.query(`UPDATE alert_rules SET firing = false, firing_since = NULL WHERE id = $1::uuid`, [id]);
        return null;
      }
      const counts = await windowCounts(tx, rule.saga_name, rule.window_minutes, nowMs);
      const decision = decideRate(counts, { threshold: Number(rule.threshold), minSagas: rule.min_sagas ?? 1, firing: rule.firing });
      if (decision === 'none') return { ruleId: id, decision, counts };
      const nowIso = new Date(nowMs).toISOString();
      const since = decision === 'fire' ? nowIso : rule.firing_since === null ? nowIso : new Date(rule.firing_since).toISOString();
      const rate = {
        sagaName: rule.saga_name,
        windowMinutes: rule.window_minutes,
        threshold: Number(rule.threshold),
        minSagas: rule.min_sagas,
        failed: counts.failed,
        finished: finishedOf(counts),
        failureRate: failureRateOf(counts),
        firingSince: since,
        ...(decision === 'resolve' ? { resolvedAt: nowIso } : {}),
      };
      await tx.query(
        decision === 'fire'
          ? `UPDATE alert_rules SET firing = true, firing_since = $2 WHERE id = $1::uuid`
          : `UPDATE alert_rules SET firing = false, firing_since = NULL WHERE id = $1::uuid`,
        decision === 'fire' ? [id, nowIso] : [id],
      );
      await tx.query(
        `INSERT INTO alert_deliveries (rule_id, dedup_key, saga_id, payload, next_attempt_at, created_at)
         VALUES ($1::uuid, $2, NULL, $3::jsonb, $4, $4)
         ON CONFLICT (rule_id, dedup_key) DO NOTHING`,
        [
          id,
          `${decision === 'fire' ? 'rate' : 'resolved'}:${since}`,
          JSON.stringify({ event: decision === 'fire' ? 'failure_rate.firing' : 'failure_rate.resolved', rate }),
          nowIso,
        ],
      );
      return { ruleId: id, decision, counts };
    });
    if (evaluation) out.push(evaluation);
  }
  return out;
}
