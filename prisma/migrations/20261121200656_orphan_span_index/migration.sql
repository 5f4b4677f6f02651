-- CreateIndex
CREATE INDEX "spans_orphan_children_idx" ON "spans"("trace_id", "parent_span_id") WHERE ("saga_id" IS NULL);
