-- CreateIndex
CREATE INDEX "spans_start_time_idx" ON "spans" USING BRIN ("start_time");
