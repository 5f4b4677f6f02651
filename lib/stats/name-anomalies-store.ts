/**
 * Anomalies per saga name over a range, for the Insights comparison of saga
 * names (lib/stats/compare-names.ts): how many sagas started in the range carry
 * each anomaly now, due timed transitions applied as the saga list applies them
 * (anomalies_after once status_changes_at has passed). One grouped read of the
 * summaries in the range, on the started_at index.
 */
import type { Db } from '../db/connection';

export interface NameAnomalyRow {
  name: string | null;
  kind: string;
  sagas: number;
}

export async function getNameAnomalies(db: Db, fromMs: number, toMs: number, nowMs: number): Promise<NameAnomalyRow[]> {
  const rows = await db.query<{ name: string | null; kind: string; sagas: number }>(
    `SELECT s.name, a.kind, count(*)::int AS sagas
       FROM sagas s
      CROSS JOIN LATERAL unnest(
             CASE WHEN s.status_changes_at IS NOT NULL AND s.status_changes_at <= $3 THEN s.anomalies_after ELSE s.anomalies END
           ) AS a(kind)
      WHERE s.started_at >= $1 AND s.started_at < $2
      GROUP BY s.name, a.kind`,
    [new Date(fromMs).toISOString(), new Date(toMs).toISOString(), new Date(nowMs).toISOString()],
  );
  return rows.map((r) => ({ name: r.name, kind: r.kind, sagas: Number(r.sagas) }));
}
