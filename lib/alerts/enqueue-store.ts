/**
 * Queues webhook deliveries for sagas that now match a status or anomaly rule.
 * Runs inside the transaction that changed the sagas (ingest phase 2, timed
 * transitions), so a change is never committed without its alert; the unique
 * (rule, dedup key = saga id) makes each rule fire once per saga.
 * The delivery worker (lib/alerts) sends them.
 */
import type { Sql } from '../db/connection';
import { arrayLiteral } from '../db/pg-text';

export async function enqueueSagaAlerts(sql: Sql, sagaIds: readonly string[], nowMs: number): Promise<number> {
  if (sagaIds.length === 0) return 0;
  // Usually there is no such rule: a trivial query instead of planning the big one (it runs under the phase-2 lock).
  const [any] = await sql.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM alert_rules WHERE enabled AND kind IN ('status', 'anomaly')) AS ok`);
  if (!any?.ok) return 0;
  const rows = await sql.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO alert_deliveries (rule_id, dedup_key, saga_id, payload, next_attempt_at, created_at)
       SELECT r.id, s.id, s.id,
              jsonb_build_object(
                'event', CASE WHEN r.kind = 'status' THEN 'saga.' || s.status ELSE 'saga.anomaly' END,
                'rule', jsonb_build_object('id', r.id, 'name', r.name, 'kind', r.kind),
                'saga', jsonb_build_object('id', s.id, 'name', s.name, 'protocol', s.protocol, 'status', s.status,
                        'anomalies', to_jsonb(s.anomalies), 'failedStep', s.failed_step,
                        'startedAt', to_jsonb(s.started_at), 'services', to_jsonb(s.services)),
                'matched', CASE WHEN r.kind = 'status' THEN to_jsonb(ARRAY[s.status])
                                ELSE to_jsonb(ARRAY(SELECT unnest(s.anomalies) INTERSECT SELECT unnest(r.anomalies))) END),
              to_timestamp($2::float8 / 1000), to_timestamp($2::float8 / 1000)
         FROM alert_rules r JOIN sagas s ON s.id = ANY($1::text[])
        WHERE r.enabled AND (r.saga_name IS NULL OR r.saga_name = s.name)
          AND ((r.kind = 'status' AND s.status = ANY(r.statuses))
            OR (r.kind = 'anomaly' AND s.anomalies && r.anomalies))
       ON CONFLICT (rule_id, dedup_key) DO NOTHING
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [arrayLiteral(sagaIds), nowMs],
  );
  return rows[0]?.n ?? 0;
}
