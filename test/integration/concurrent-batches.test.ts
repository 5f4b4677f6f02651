/**
 * Several ingest transactions at once, each holding spans of the same new
 * sagas: each one inserts the summaries of sagas it found new before the
 * phase-2 lock, so they race for the same rows (lib/ingest/span-writer.ts). After
 * all commit, every summary must equal the model of its stored spans and the
 * rollups must equal the sum of the contributions stored with the summaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan } from '../support/spans';
import { toSpanRows } from '../../lib/ingest/span-row';
import pg from 'pg';
import { writeSpanBatch } from '../../lib/ingest/span-writer';
import { LOCK_KEYS } from '../../lib/db/locks';
import { modelConfigFrom } from '../../lib/config/model';
import { loadSagaSpans } from '../../lib/saga/span-store';
import { buildSaga } from '../../lib/saga/model';
import { contributionOf, decodeContribution, encodeContribution } from '../../lib/stats/contribution';
import { RollupDelta } from '../../lib/stats/delta';
import { compactRollups } from '../../lib/stats/rollup-writer';
import type { FlatSpan } from '../../lib/otlp/types';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS: '3600000', SAGASCOPE_TRANSITION_INTERVAL_MS: '3600000' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const SAGAS = 40;
const STEPS = ['create-order', 'reserve-inventory', 'charge-payment', 'ship'];

function sagaSpans(i: number): FlatSpan[] {
  const id = `race-${i}`;
  const traceId = hex(16);
  const t0 = Date.now() - 60_000 + i * 100;
  const root = makeSpan({
    traceId, service: 'orchestrator', name: 'saga', startMs: t0, endMs: t0 + 50,
    attributes: { 'saga.id': id, 'saga.name': `race-${i % 3}`, 'saga.role': 'coordinator' },
  });
  const failAt = i % 4 === 0 ? 2 : -1;
  const spans = [root];
  STEPS.forEach((step, s) => {
    if (failAt >= 0 && s > failAt) return;
    spans.push(makeSpan({
      traceId, parentSpanId: root.spanId, service: step.split('-')[0], name: step, startMs: t0 + 1 + s * 10, endMs: t0 + 8 + s * 10,
      statusCode: s === failAt ? 2 : 0,
      attributes: { 'saga.id': id, 'saga.step': step, 'saga.op': 'action', 'saga.step_index': s },
    }));
  });
  if (failAt >= 0) {
    for (let s = failAt - 1; s >= 0; s--) {
      spans.push(makeSpan({
        traceId, parentSpanId: root.spanId, service: STEPS[s]!.split('-')[0], name: `${STEPS[s]} compensate`, startMs: t0 + 40 + (failAt - s), endMs: t0 + 41 + (failAt - s),
        attributes: { 'saga.id': id, 'saga.step': STEPS[s]!, 'saga.op': 'compensate', 'saga.step_index': s },
      }));
    }
  }
  return spans;
}

describe('concurrent ingest transactions with spans of the same new sagas', () => {
  it('leave every summary equal to its model and the rollups equal to the stored contributions', async () => {
    const all = Array.from({ length: SAGAS }, (_, i) => sagaSpans(i));
    // Four batches, each with a share of every saga's spans: all four find each saga new.
    const batches: FlatSpan[][] = [[], [], [], []];
    for (const spans of all) spans.forEach((span, k) => batches[k % 4]!.push(span));
    const config = (now: number) => modelConfigFrom(env.config, now);
    // Hold the phase-2 lock until all four have prepared: then none has
    // committed before the others looked, so every saga is new to all four,
    // one inserts it and the other three find it taken.
    expect(env.databaseUrl, 'needs the PostgreSQL server (SAGASCOPE_TEST_DATABASE_URL)').toBeDefined();
    const holder = new pg.Client({ connectionString: env.databaseUrl });
    await holder.connect();
    let results: Awaited<ReturnType<typeof writeSpanBatch>>[];
    try {
      await holder.query(`SELECT pg_advisory_lock(${LOCK_KEYS.ingestPhase2})`);
      const writes = Promise.all(batches.map((b) => writeSpanBatch(env.db, toSpanRows(b), config, { maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS })));
      // One writer waits for the lock, the other three for its uncommitted summaries.
      for (let waited = 0; ; waited += 50) {
        const [w] = (await holder.query<{ lock: number; rows: number }>(
          `SELECT count(*) FILTER (WHERE query LIKE '%pg_advisory_xact_lock%')::int AS lock,
                  count(*) FILTER (WHERE query LIKE 'INSERT INTO sagas%')::int AS rows
             FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows;
        if (w!.lock === 1 && w!.rows === batches.length - 1) break;
        if (waited > 20_000) throw new Error(`writers not where expected: ${JSON.stringify(w)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await holder.query(`SELECT pg_advisory_unlock(${LOCK_KEYS.ingestPhase2})`);
      results = await writes;
    } finally {
      await holder.end();
    }
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(all.flat().length);

    const rows = await env.db.query<{ id: string; span_count: number; status: string; rollup: string | null }>(
      `SELECT id, span_count, status, rollup FROM sagas WHERE id LIKE 'race-%' ORDER BY id`);
    expect(rows).toHaveLength(SAGAS);
    const spansOf = await loadSagaSpans(env.db, rows.map((r) => r.id));
    const cfg = config(Date.now());
    const stored = new RollupDelta();
    for (const row of rows) {
      const own = spansOf.get(row.id)!;
      const saga = buildSaga(row.id, own, cfg);
      expect({ id: row.id, spans: row.span_count, status: row.status }).toEqual({ id: row.id, spans: own.length, status: saga.status });
      expect(row.rollup).toBe(encodeContribution(contributionOf(saga, own)));
      stored.change(null, decodeContribution(row.rollup));
    }
    // The rollups (pending and folded alike) hold exactly the stored contributions.
    await compactRollups(env.db, { wait: true });
    const { counts } = stored.rows();
    const expected = new Map<string, number>();
    counts.series.forEach((s, i) => expected.set(`${s}|${counts.minute[i]}|${counts.name[i]}|${counts.k1[i]}|${counts.k2[i]}|${counts.k3[i]}`, counts.calls[i]!));
    const actual = await env.db.query<{ k: string; calls: number }>(
      `SELECT series || '|' || (extract(epoch FROM minute)::bigint / 60) || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 AS k, sum(calls)::int AS calls
         FROM rollup_counts_all WHERE saga_name LIKE 'race-%' GROUP BY 1 HAVING sum(calls) <> 0`);
    expect(actual.length).toBeGreaterThan(SAGAS / 2);
    expect(new Map(actual.map((r) => [r.k, r.calls]))).toEqual(new Map([...expected].filter(([, v]) => v !== 0)));
  }, 60_000);
});
