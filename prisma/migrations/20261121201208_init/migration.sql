-- CreateTable
CREATE TABLE "spans" (
    "trace_id" TEXT NOT NULL,
    "span_id" TEXT NOT NULL,
    "parent_span_id" TEXT,
    "saga_id" TEXT,
    "service" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" SMALLINT NOT NULL,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6) NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "status_code" SMALLINT NOT NULL,
    "status_message" TEXT,
    "saga_name" TEXT,
    "protocol" TEXT,
    "role" TEXT,
    "step" TEXT,
    "step_index" INTEGER,
    "branch_id" TEXT,
    "op" TEXT,
    "attempt" INTEGER,
    "result" TEXT,
    "action_url" TEXT,
    "compensate_url" TEXT,
    "idempotency_key" TEXT,
    "zero_code" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "attributes" JSONB NOT NULL,
    "resource_id" TEXT NOT NULL,
    "events" JSONB,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "spans_pkey" PRIMARY KEY ("trace_id","span_id")
);

-- CreateTable
CREATE TABLE "resources" (
    "id" TEXT NOT NULL,
    "attributes" JSONB NOT NULL,

    CONSTRAINT "resources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sagas" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "protocol" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "status_after" TEXT,
    "status_changes_at" TIMESTAMPTZ(3),
    "anomalies" TEXT[],
    "anomalies_after" TEXT[],
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "last_span_end_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "services" TEXT[],
    "trace_ids" TEXT[],
    "step_count" INTEGER NOT NULL,
    "span_count" INTEGER NOT NULL,
    "failed_step" TEXT,
    "compensation_count" INTEGER NOT NULL,
    "time_to_consistency_ms" DOUBLE PRECISION,
    "zero_code" BOOLEAN NOT NULL,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sagas_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "spans_saga_id_start_time_idx" ON "spans"("saga_id", "start_time");

-- CreateIndex
CREATE INDEX "spans_orphan_children_idx" ON "spans"("trace_id", "parent_span_id") WHERE ("saga_id" IS NULL);

-- CreateIndex
CREATE INDEX "sagas_started_at_id_idx" ON "sagas"("started_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sagas_status_started_at_idx" ON "sagas"("status", "started_at" DESC);

-- CreateIndex
CREATE INDEX "sagas_status_after_status_changes_at_idx" ON "sagas"("status_after", "status_changes_at");

-- CreateIndex
CREATE INDEX "sagas_name_started_at_idx" ON "sagas"("name", "started_at" DESC);

-- CreateIndex
CREATE INDEX "sagas_services_idx" ON "sagas" USING GIN ("services");

-- CreateIndex
CREATE INDEX "sagas_anomalies_idx" ON "sagas" USING GIN ("anomalies");

-- CreateIndex
CREATE INDEX "sagas_anomalies_after_idx" ON "sagas" USING GIN ("anomalies_after");

-- CreateIndex
CREATE INDEX "sagas_trace_ids_idx" ON "sagas" USING GIN ("trace_ids");
