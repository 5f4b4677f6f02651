/** Applies a batch's rollup changes (lib/stats/delta.ts, summed per row and sorted) to the per-minute and per-hour tables: upserts that add to the stored rows. */
import type { Sql } from './connection';
import type { RollupDelta } from '../stats/delta';

export async function applyRollupDelta(sql: Sql, delta: RollupDelta): Promise<void> {
  await upsert(sql, delta.rows(), { counts: 'rollup_counts', latency: 'rollup_latency', time: 'minute' });
  await upsert(sql, delta.hourlyRows(), { counts: 'rollup_counts_hourly', latency: 'rollup_latency_hourly', time: 'hour' });
}

async function upsert(
  sql: Sql,
  { counts: c, latency: l }: ReturnType<RollupDelta['rows']>,
  t: { counts: string; latency: string; time: 'minute' | 'hour' },
): Promise<void> {
  if (c.series.length > 0) {
    await sql.query(
      `INSERT INTO ${t.counts} (series, ${t.time}, saga_name, k1, k2, k3, calls, errors, retries, extra)
       SELECT series, to_timestamp(minute * 60), name, k1, k2, k3, calls, errors, retries, extra
         FROM unnest($1::int2[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[], $8::int4[], $9::int4[], $10::int4[])
           AS t(series, minute, name, k1, k2, k3, calls, errors, retries, extra)
       ON CONFLICT (series, ${t.time}, saga_name, k1, k2, k3) DO UPDATE SET
         calls = ${t.counts}.calls + EXCLUDED.calls, errors = ${t.counts}.errors + EXCLUDED.errors,
         retries = ${t.counts}.retries + EXCLUDED.retries, extra = ${t.counts}.extra + EXCLUDED.extra`,
      [c.series, c.minute, c.name, c.k1, c.k2, c.k3, c.calls, c.errors, c.retries, c.extra],
    );
  }
  if (l.series.length > 0) {
    await sql.query(
      `INSERT INTO ${t.latency} (series, ${t.time}, saga_name, k1, k2, k3, bucket, count)
       SELECT series, to_timestamp(minute * 60), name, k1, k2, k3, bucket, count
         FROM unnest($1::int2[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int2[], $8::int4[])
           AS t(series, minute, name, k1, k2, k3, bucket, count)
       ON CONFLICT (series, ${t.time}, saga_name, k1, k2, k3, bucket) DO UPDATE SET
         count = ${t.latency}.count + EXCLUDED.count`,
      [l.series, l.minute, l.name, l.k1, l.k2, l.k3, l.bucket, l.count],
    );
  }
}
