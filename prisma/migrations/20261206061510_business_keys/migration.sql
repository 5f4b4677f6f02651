-- Business keys and search (issue 18; lib/search). Each lookup of `q` / `key`
-- is an index scan, measured at 1 M sagas / 10 M spans (docs/benchmarks-query.md):
--
--   key value (q, key=name:value)   saga_keys_value_folded_idx: lower(value) = lower($q) [AND name = $n]
--                                   → a handful of saga ids → sagas_pkey
--   saga id, whole or ≥ 6-char      sagas_id_folded_idx: lower(id) LIKE 'prefix%' is a range scan
--   prefix, any case                on text_pattern_ops (byte order, whatever the database collation)
--   span id                         spans_span_id_idx (hash): span_id = $q → saga_id of that span
--   trace id                        sagas_trace_ids_idx (GIN, existing)
--
-- saga_keys has no foreign key to sagas: ingest inserts keys before it takes the
-- phase-2 lock, and a key's FK check would take a KEY SHARE lock on the summary
-- row that retention deletes while holding that lock (a deadlock), and dirty the
-- row ingest rewrites anyway. Retention deletes a saga's keys with the saga.
-- Values and names are capped on ingest (lib/search/keys.ts: 256 / 128
-- characters) so an entry stays far below btree's 2704-byte limit.

-- CreateTable
CREATE TABLE "saga_keys" (
    "saga_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "saga_keys_pkey" PRIMARY KEY ("saga_id","name","value")
);

-- CreateIndex
CREATE INDEX "saga_keys_value_folded_idx" ON "saga_keys" (lower("value"), "name");

-- CreateIndex
CREATE INDEX "sagas_id_folded_idx" ON "sagas" (lower("id") text_pattern_ops);

-- CreateIndex
CREATE INDEX "spans_span_id_idx" ON "spans" USING HASH ("span_id");
