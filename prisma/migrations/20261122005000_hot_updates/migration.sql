-- Rollup rows of the current minute / hour are updated by every ingest batch,
-- and saga summaries by every batch that adds to the saga. With full pages
-- each such update writes a new index entry in every index; with free space
-- left on the page it can be a HOT update (heap only), which the phase-2 lock
-- holder then does much faster. New pages use this; existing ones keep theirs.
ALTER TABLE "rollup_counts" SET (fillfactor = 70);
ALTER TABLE "rollup_latency" SET (fillfactor = 70);
ALTER TABLE "rollup_counts_hourly" SET (fillfactor = 70);
ALTER TABLE "rollup_latency_hourly" SET (fillfactor = 70);
ALTER TABLE "sagas" SET (fillfactor = 80);
