-- Distribution-ready spans (issue 19 part 3, ADR 0013, docs/scaling.md "Citus").
--
-- shard_key: the span's own saga id as sent, else 'trace:' || trace_id. It is
-- fixed when the span is first stored (lib/ingest/inherit-saga-ids.ts marks the
-- spans whose saga id is inherited): adoption later sets saga_id, never
-- shard_key, so no row ever moves between shards or keys, and a re-sent span —
-- alone or with its parent, before or after adoption — has the same key as the
-- stored one. The primary key includes it (Citus and partitioned tables need
-- every unique key to include their distribution / partition column), with
-- (trace_id, span_id) kept as its prefix so every lookup by span is unchanged.
--
-- Existing rows cannot tell an own saga id from an inherited one: they take
-- coalesce(saga_id, 'trace:' || trace_id). A span that inherited its saga
-- before this migration and is re-sent afterwards without its ancestors would
-- be stored a second time; stop the collectors for the migration (the column is
-- NOT NULL and the old ON CONFLICT target is gone, so old collectors cannot
-- write after it anyway).
--
-- No CHECK constraint states the rule (shard_key = saga_id OR shard_key =
-- 'trace:' || trace_id): the wasm schema engine crashes introspecting CHECK
-- constraints (TOOLCHAIN-NOTES); test/integration/shard-key.test.ts checks it.

-- AlterTable
ALTER TABLE "spans" ADD COLUMN "shard_key" TEXT;
UPDATE "spans" SET "shard_key" = coalesce("saga_id", 'trace:' || "trace_id");
ALTER TABLE "spans" ALTER COLUMN "shard_key" SET NOT NULL;
ALTER TABLE "spans" DROP CONSTRAINT "spans_pkey",
ADD CONSTRAINT "spans_pkey" PRIMARY KEY ("trace_id", "span_id", "shard_key");

