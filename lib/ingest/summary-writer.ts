/** Upsert of saga summary rows (table `sagas`) from model output, in one statement. */
import type { Sql } from '../db/connection';
import type { Saga } from '../saga/types';
import { arrayLiteral, nestedTextElement, numberElement, textElement } from '../db/pg-text';
import { anomalyKinds } from '../saga/anomalies';

/** `rollups[i]`: the encoded rollup contribution of `sagas[i]` (lib/stats/contribution.ts). */
export async function upsertSummaries(sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): Promise<void> {
  await writeSummaries(sql, sagas, nowMs, rollups, 'upsert');
}

/**
 * Inserts the summaries of sagas that have none yet and leaves existing ones
 * alone: the ids inserted. Rows go in id order, so two transactions inserting
 * overlapping sets wait for each other in one order and cannot deadlock; a
 * conflicting row another transaction has not committed yet is waited for, so
 * every id not returned belongs to a committed summary.
 */
export async function insertNewSummaries(sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): Promise<Set<string>> {
  const order = sagas.map((_, i) => i).sort((a, b) => (sagas[a]!.id < sagas[b]!.id ? -1 : sagas[a]!.id > sagas[b]!.id ? 1 : 0));
  const rows = await writeSummaries(sql, order.map((i) => sagas[i]!), nowMs, order.map((i) => rollups[i]!), 'insert');
  return new Set(rows.map((r) => r.id));
}

async function writeSummaries(
  sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[], mode: 'upsert' | 'insert',
): Promise<{ id: string }[]> {
  if (sagas.length === 0) return [];
  return sql.query<{ id: string }>(
    `INSERT INTO sagas (id, name, protocol, status, status_after, status_changes_at, anomalies, anomalies_after,
        started_at, last_span_end_at, duration_ms, services, trace_ids, step_count, span_count, failed_step,
        compensation_count, time_to_consistency_ms, zero_code, last_activity_at, updated_at, rollup,
        repaired_at, time_to_repair_ms)
     SELECT id, name, protocol, status, status_after, to_timestamp(changes_ms / 1000.0), anomalies::text[],
        anomalies_after::text[], to_timestamp(start_ms / 1000.0), to_timestamp(last_end_ms / 1000.0), duration_ms,
        services::text[], trace_ids::text[], step_count, span_count, failed_step, compensation_count, ttc_ms,
        zero_code, to_timestamp(activity_ms / 1000.0), to_timestamp($20::float8 / 1000.0), rollup,
        to_timestamp(repaired_ms / 1000.0), ttr_ms
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[],
                   $9::float8[], $10::float8[], $11::float8[], $12::text[], $13::text[], $14::int4[], $15::int4[],
                   $16::text[], $17::int4[], $18::float8[], $19::bool[], $21::float8[], $22::text[],
                   $23::float8[], $24::float8[])
         AS t(id, name, protocol, status, status_after, changes_ms, anomalies, anomalies_after, start_ms, last_end_ms,
              duration_ms, services, trace_ids, step_count, span_count, failed_step, compensation_count, ttc_ms,
              zero_code, activity_ms, rollup, repaired_ms, ttr_ms)
     ${mode === 'insert' ? 'ON CONFLICT (id) DO NOTHING RETURNING id' : `ON CONFLICT (id) DO UPDATE SET
        name = EXCLUDED.name, protocol = EXCLUDED.protocol, status = EXCLUDED.status,
        status_after = EXCLUDED.status_after, status_changes_at = EXCLUDED.status_changes_at,
        anomalies = EXCLUDED.anomalies, anomalies_after = EXCLUDED.anomalies_after,
        started_at = EXCLUDED.started_at, last_span_end_at = EXCLUDED.last_span_end_at,
        duration_ms = EXCLUDED.duration_ms, services = EXCLUDED.services, trace_ids = EXCLUDED.trace_ids,
        step_count = EXCLUDED.step_count, span_count = EXCLUDED.span_count, failed_step = EXCLUDED.failed_step,
        compensation_count = EXCLUDED.compensation_count, time_to_consistency_ms = EXCLUDED.time_to_consistency_ms,
        zero_code = EXCLUDED.zero_code, last_activity_at = EXCLUDED.last_activity_at, updated_at = EXCLUDED.updated_at,
        rollup = EXCLUDED.rollup, repaired_at = EXCLUDED.repaired_at, time_to_repair_ms = EXCLUDED.time_to_repair_ms`}`,
    summaryParameters(sagas, nowMs, rollups),
  );
}

/**
 * The statement's parameters $1 … $24, in order. Arrays travel as literals we
 * build (lib/db/pg-text.ts), one string per parameter; per-row text[] values
 * travel as array literals too: unnest cannot take ragged 2-D arrays. One pass
 * over the sagas appends to every column: this runs for every saga ingest
 * touches, and a pass per column (an array and a closure each) cost twice as much.
 */
export function summaryParameters(sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): (string | number)[] {
  let id = '', name = '', protocol = '', status = '', statusAfter = '', changesMs = '', anomalies = '', anomaliesAfter = '';
  let startMs = '', lastEndMs = '', durationMs = '', services = '', traceIds = '', stepCount = '', spanCount = '';
  let failedStep = '', compensationCount = '', ttcMs = '', zeroCode = '', activityMs = '', repairedMs = '', ttrMs = '';
  for (let i = 0; i < sagas.length; i++) {
    const s = sagas[i]!;
    const sep = i > 0 ? ',' : '';
    id += sep + textElement(s.id);
    name += sep + textElement(s.name);
    protocol += sep + textElement(s.protocol);
    status += sep + textElement(s.status);
    statusAfter += sep + textElement(s.next?.status ?? null);
    changesMs += sep + numberElement(s.next?.atMs ?? null);
    anomalies += sep + nestedTextElement(s.anomalies.length === 0 ? NONE : anomalyKinds(s.anomalies));
    anomaliesAfter += sep + nestedTextElement(s.next ? s.next.anomalies : NONE);
    startMs += sep + numberElement(s.startMs);
    lastEndMs += sep + numberElement(s.lastEndMs);
    durationMs += sep + numberElement(s.durationMs);
    services += sep + nestedTextElement(s.services);
    traceIds += sep + nestedTextElement(s.traceIds);
    stepCount += sep + numberElement(s.stepCount);
    spanCount += sep + numberElement(s.spanCount);
    failedStep += sep + textElement(s.failedStep);
    compensationCount += sep + numberElement(s.compensationCount);
    ttcMs += sep + numberElement(s.timeToConsistencyMs);
    zeroCode += sep + numberElement(s.zeroCode);
    activityMs += sep + numberElement(s.lastActivityMs);
    repairedMs += sep + numberElement(s.repairedAtMs);
    ttrMs += sep + numberElement(s.timeToRepairMs);
  }
  const a = (body: string) => '{' + body + '}';
  return [
    a(id), a(name), a(protocol), a(status), a(statusAfter), a(changesMs), a(anomalies), a(anomaliesAfter),
    a(startMs), a(lastEndMs), a(durationMs), a(services), a(traceIds), a(stepCount), a(spanCount),
    a(failedStep), a(compensationCount), a(ttcMs), a(zeroCode), nowMs, a(activityMs), arrayLiteral(rollups),
    a(repairedMs), a(ttrMs),
  ];
}

const NONE: readonly string[] = Object.freeze([]);
