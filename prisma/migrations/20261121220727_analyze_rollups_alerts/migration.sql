-- CreateEnum
CREATE TYPE "AlertRuleKind" AS ENUM ('status', 'anomaly', 'failure_rate');

-- CreateEnum
CREATE TYPE "AlertDeliveryState" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "sagas" ADD COLUMN     "rollup" TEXT;

-- CreateTable
CREATE TABLE "rollup_counts" (
    "series" SMALLINT NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "saga_name" TEXT NOT NULL,
    "k1" TEXT NOT NULL,
    "k2" TEXT NOT NULL,
    "k3" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "retries" INTEGER NOT NULL,
    "extra" INTEGER NOT NULL,

    CONSTRAINT "rollup_counts_pkey" PRIMARY KEY ("series","minute","saga_name","k1","k2","k3")
);

-- CreateTable
CREATE TABLE "rollup_latency" (
    "series" SMALLINT NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "saga_name" TEXT NOT NULL,
    "k1" TEXT NOT NULL,
    "k2" TEXT NOT NULL,
    "k3" TEXT NOT NULL,
    "bucket" SMALLINT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "rollup_latency_pkey" PRIMARY KEY ("series","minute","saga_name","k1","k2","k3","bucket")
);

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AlertRuleKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "saga_name" TEXT,
    "statuses" TEXT[],
    "anomalies" TEXT[],
    "threshold" DOUBLE PRECISION,
    "window_minutes" INTEGER,
    "min_sagas" INTEGER,
    "webhook_url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "firing" BOOLEAN NOT NULL DEFAULT false,
    "firing_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "rule_id" UUID NOT NULL,
    "dedup_key" TEXT NOT NULL,
    "saga_id" TEXT,
    "payload" JSONB NOT NULL,
    "state" "AlertDeliveryState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rollup_counts_minute_idx" ON "rollup_counts" USING BRIN ("minute");

-- CreateIndex
CREATE INDEX "rollup_latency_minute_idx" ON "rollup_latency" USING BRIN ("minute");

-- CreateIndex
CREATE INDEX "alert_deliveries_state_next_attempt_at_idx" ON "alert_deliveries"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "alert_deliveries_created_at_idx" ON "alert_deliveries"("created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "alert_deliveries_rule_id_dedup_key_key" ON "alert_deliveries"("rule_id", "dedup_key");

-- AddForeignKey
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
