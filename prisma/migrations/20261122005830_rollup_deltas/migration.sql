-- CreateTable
CREATE TABLE "rollup_counts_delta" (
    "series" SMALLINT NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "saga_name" TEXT NOT NULL,
    "k1" TEXT NOT NULL,
    "k2" TEXT NOT NULL,
    "k3" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "retries" INTEGER NOT NULL,
    "extra" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "rollup_latency_delta" (
    "series" SMALLINT NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "saga_name" TEXT NOT NULL,
    "k1" TEXT NOT NULL,
    "k2" TEXT NOT NULL,
    "k3" TEXT NOT NULL,
    "bucket" SMALLINT NOT NULL,
    "count" INTEGER NOT NULL
);

-- What reads use: the folded rows plus the changes not folded yet. Rows of one
-- key may appear more than once; every reader SUMs.
CREATE VIEW "rollup_counts_all" AS
  SELECT "series", "minute", "saga_name", "k1", "k2", "k3", "calls", "errors", "retries", "extra" FROM "rollup_counts"
  UNION ALL
  SELECT "series", "minute", "saga_name", "k1", "k2", "k3", "calls", "errors", "retries", "extra" FROM "rollup_counts_delta";

CREATE VIEW "rollup_latency_all" AS
  SELECT "series", "minute", "saga_name", "k1", "k2", "k3", "bucket", "count" FROM "rollup_latency"
  UNION ALL
  SELECT "series", "minute", "saga_name", "k1", "k2", "k3", "bucket", "count" FROM "rollup_latency_delta";

CREATE VIEW "rollup_counts_hourly_all" AS
  SELECT "series", "hour", "saga_name", "k1", "k2", "k3", "calls", "errors", "retries", "extra" FROM "rollup_counts_hourly"
  UNION ALL
  SELECT "series", date_trunc('hour', "minute", 'UTC'), "saga_name", "k1", "k2", "k3", "calls", "errors", "retries", "extra" FROM "rollup_counts_delta";

CREATE VIEW "rollup_latency_hourly_all" AS
  SELECT "series", "hour", "saga_name", "k1", "k2", "k3", "bucket", "count" FROM "rollup_latency_hourly"
  UNION ALL
  SELECT "series", date_trunc('hour', "minute", 'UTC'), "saga_name", "k1", "k2", "k3", "bucket", "count" FROM "rollup_latency_delta";
