-- Business keys in one index (issue 18, ADR 0016). saga_keys had two btrees:
-- the primary key (saga_id, name, value) and saga_keys_value_folded_idx
-- (lower(value), name), and every key row paid for both on ingest. Measured on
-- 240,000 key rows in 1,000-row transactions (ADR 0016): the two cost 4.3 µs
-- per key row above the heap insert, one unique btree
-- (lower(value), name, saga_id, value) 2.2 µs, a btree (lower(value), saga_id)
-- 1.9 µs, a hash on lower(value) 1.2 µs. The btree is the table's one index:
--
--   lookups   lower(value) = $q [AND name = $n, checked on the row]: q and
--             key=name:value are its prefix, and saga_id is in the entry
--   dedupe    none by the database: ingest writes each key of a new saga once
--             and skips keys stored already (lib/search/key-writer.ts), a probe
--             of (lower(value), saga_id); a rare repeat is harmless, as search
--             matches sagas through the summaries
--
-- Not the cheaper hash: a hash entry holds only the value's hash code, so that
-- probe would read every row carrying the same value, and a value shared by many
-- sagas (a tenant, a popular user) would make each probe cost as many heap reads
-- (200,000 sagas sharing one value: 15.6 ms per probe against 0.4 ms here).
--
-- Nothing reads keys by saga_id alone any more: the saga page extracts a
-- saga's keys from its spans (lib/search/saga-keys.ts), and retention sweeps the
-- keys whose saga is gone (lib/retention/store.ts). With no unique key left, a
-- distributed layout has no unique constraint to keep on saga_id (ADR 0013).

CREATE INDEX "saga_keys_value_saga_idx" ON "saga_keys" (lower("value"), "saga_id");
ALTER TABLE "saga_keys" DROP CONSTRAINT "saga_keys_pkey";
DROP INDEX "saga_keys_value_folded_idx";
