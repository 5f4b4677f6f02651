/**
 * Where an ingest transaction spends its time: runs the real writer on
 * generated sagas and reports time per SQL statement kind and in the model.
 * `npx tsx bench/write-phases.ts` (BENCH_SPANS, BENCH_BATCH).
 * BENCH_DROP_INDEXES=a,b drops those indexes first: what one index costs ingest.
 */
import { createScratchDatabase } from '../test/integration/harness';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import type { Db, TxSql } from '../lib/db/connection';
import { writeSpanBatch } from '../lib/ingest/span-writer';
import { modelConfigFrom } from '../lib/config/model';
import { generateSagas } from './saga-generator';
import { toSpanRows } from '../lib/ingest/span-row';

const SPANS = Number(process.env.BENCH_SPANS ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
const totals = new Map<string, number>();
const add = (k: string, ms: number) => totals.set(k, (totals.get(k) ?? 0) + ms);
const label = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 60);

function timed(db: Db): Db {
  return {
    ...db,
    transaction: (fn) =>
      db.transaction((tx) => {
        const wrapped: TxSql = {
          query: async (text, params) => {
            const t = performance.now();
            try {
              return await tx.query(text, params);
            } finally {
              add(label(text), performance.now() - t);
            }
          },
          copyFrom: tx.copyFrom
            ? async (sql, chunks) => {
                const t = performance.now();
                await tx.copyFrom!(sql, chunks);
                add(label(sql), performance.now() - t);
              }
            : undefined,
        };
        return fn(wrapped);
      }),
  };
}

async function main() {
  const scratch = await createScratchDatabase();
  try {
    const config = parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_LOG_LEVEL: 'warn' });
    const db = await openMigratedDb(config);
    for (const index of (process.env.BENCH_DROP_INDEXES ?? '').split(',').filter(Boolean)) await db.query(`DROP INDEX ${index}`);
    const { spans } = generateSagas({ minSpans: SPANS, failRate: 0.1, seed: 3 });
    let t = performance.now();
    const rows = toSpanRows(spans);
    add('toSpanRows (JS)', performance.now() - t);
    const tdb = timed(db);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      await writeSpanBatch(tdb, rows.slice(i, i + BATCH), (now) => modelConfigFrom(config, now), { maxSagaSpans: config.SAGASCOPE_MAX_SAGA_SPANS });
    }
    const total = performance.now() - started;
    console.log(`${rows.length} spans in ${total.toFixed(0)} ms → ${Math.round(rows.length / (total / 1000))} spans/s (writer only)`);
    for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`${v.toFixed(0).padStart(8)} ms  ${k}`);
    await db.close();
  } finally {
    await scratch.drop();
  }
}

void main();
