-- Business keys in one index (issue 18, ADR 0016). saga_keys had two btrees:
-- the primary key (saga_id, name, value) and saga_keys_value_folded_idx
-- (lower(value), name). Each key row paid for both on ingest; measured on
-- 240,000 key rows in 1,000-row transactions, the second btree cost as much
-- as the heap row and the first together (docs/benchmarks-ingest.md,
-- "Session 12"). One unique index now does both jobs:
--
--   lookups   lower(value) = $q [AND name = $n] is its prefix (q, key=name:value),
--             and saga_id is in the entry: an index-only scan when the page is all-visible
--   dedupe    (lower(value), name, saga_id, value) is unique exactly when
--             (saga_id, name, value) is: lower(value) is a function of value.
--             ON CONFLICT DO NOTHING (no target) and the COPY's unique violation use it
--
-- Nothing reads keys by saga_id any more: the saga page extracts a saga's keys
-- from its spans (lib/search/saga-keys.ts), and retention sweeps the keys whose
-- saga is gone after it deletes summaries (lib/retention/store.ts).
-- saga_id stays in the unique key, as a distributed layout needs (ADR 0013).

CREATE UNIQUE INDEX "saga_keys_lookup_idx" ON "saga_keys" (lower("value"), "name", "saga_id", "value");
ALTER TABLE "saga_keys" DROP CONSTRAINT "saga_keys_pkey";
DROP INDEX "saga_keys_value_folded_idx";
