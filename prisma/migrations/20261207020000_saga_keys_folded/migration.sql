-- Business keys, cheaper per span (issue 18, ADR 0016 addendum 2).
--
-- 1. One row per (saga, value) with all the names the value came under:
--    `order.id` and `saga.key.order_id` usually carry the same order id, and
--    were two rows. `key=name:value` checks the name on the row (name = ANY(names)).
-- 2. Values are stored folded by the collector (lib/search/keys.ts foldKeyValue,
--    JavaScript's lower-case mapping), and search folds what it looks for the
--    same way: the index is on the column, not on lower(value), so no row pays
--    for lower() on insert.
-- 3. value compares in the "C" collation: equality is all the index is used
--    for, and a byte comparison is cheaper than the database's collation.
--    saga_id keeps the database's collation: search joins it to sagas.id, and a
--    comparison in another collation could not use sagas_pkey (every `q` would
--    read all summaries).
--
-- Measured on 120,000 bench-shaped keys (4 per saga, 3 distinct values) in one
-- INSERT, one backend: heap only 146 ms, the old layout 405 ms, one row per value
-- 344 ms, with folded values as well about 300-320 ms (ADR 0016, addendum).
--
-- Rows stored before keep one name each (a saga's value may have several rows:
-- harmless, search matches through the summaries). Their values are folded here
-- by PostgreSQL's lower(): JavaScript's mapping for ASCII; outside ASCII it
-- depends on the database's locale.

DROP INDEX "saga_keys_value_saga_idx";
ALTER TABLE "saga_keys" ADD COLUMN "names" TEXT[];
UPDATE "saga_keys" SET "names" = ARRAY["name"], "value" = lower("value");
ALTER TABLE "saga_keys" ALTER COLUMN "names" SET NOT NULL;
ALTER TABLE "saga_keys" DROP COLUMN "name";
ALTER TABLE "saga_keys" ALTER COLUMN "value" TYPE TEXT COLLATE "C";
CREATE INDEX "saga_keys_value_saga_idx" ON "saga_keys" ("value", "saga_id");
