/**
 * Summaries written before rollups existed have no stored contribution
 * (sagas.rollup IS NULL) and so are in no chart. This re-summarises them from
 * their spans, batch by batch, exactly as the ingest transaction would: the
 * summary is rebuilt, its contribution added to the rollups and stored. Each
 * batch locks its summary rows (ADR 0012) and re-checks `rollup IS NULL`, so running it
 * twice, or in two collectors, or while spans arrive, counts every saga once.
 * Sagas whose spans retention already removed are left as they are. A saga over
 * SAGASCOPE_MAX_SAGA_SPANS is modelled from the same cut as on ingest and on its
 * page (lib/saga/model-store.ts).
 */
import type { Db } from '../db/connection';
import type { ModelConfig } from '../saga/types';
import { lockSummaries } from './saga-locks';
import { loadSagaModels } from '../saga/model-store';
import { upsertSummaries } from './summary-writer';
import { applyRollupDelta } from '../stats/rollup-writer';
import { contributionOf, encodeContribution } from '../stats/contribution';
import { RollupDelta } from '../stats/delta';

export async function backfillRollups(
  db: Db,
  modelConfig: (nowMs: number) => ModelConfig,
  opts: { maxSagaSpans: number; batchSize?: number; shouldContinue?: () => boolean; now?: () => number },
): Promise<{ sagas: number; complete: boolean }> {
  const batchSize = opts.batchSize ?? 500;
  const goOn = opts.shouldContinue ?? (() => true);
  let after = '';
  let done = 0;
  for (;;) {
    if (!goOn()) return { sagas: done, complete: false };
    const ids = (await db.query<{ id: string }>(
      `SELECT id FROM sagas WHERE rollup IS NULL AND id > $1 ORDER BY id LIMIT $2`, [after, batchSize],
    )).map((r) => r.id);
    if (ids.length === 0) return { sagas: done, complete: true };
    after = ids[ids.length - 1]!;
    done += await db.transaction(async (tx) => {
      const still = [...(await lockSummaries(tx, ids)).values()].filter((r) => r.rollup === null).map((r) => r.id);
      const nowMs = (opts.now ?? Date.now)();
      const models = await loadSagaModels(tx, still, modelConfig(nowMs), opts.maxSagaSpans);
      const delta = new RollupDelta();
      const sagas = [];
      const rollups = [];
      for (const id of still) {
        const m = models.get(id);
        if (!m) continue;
        const { saga } = m;
        const c = contributionOf(saga, m.spans);
        delta.change(null, c);
        sagas.push(saga);
        rollups.push(encodeContribution(c));
      }
      await upsertSummaries(tx, sagas, nowMs, rollups);
      await applyRollupDelta(tx, delta);
      return sagas.length;
    });
  }
}
