-- CreateTable
CREATE TABLE "audit_chain_head" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "id" BIGSERIAL NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_checkpoints_signature_key" ON "audit_checkpoints"("signature");

-- CreateIndex
CREATE INDEX "audit_checkpoints_seq_idx" ON "audit_checkpoints"("seq");

-- ---------------------------------------------------------------------------
-- Hand-written: the schema engine neither diffs nor drops functions and
-- triggers. (No CHECK constraints: the offline wasm engine cannot introspect them.)

-- Checkpoints are only ever added. A superuser can bypass this like the
-- audit_log trigger; the signatures and the external witness catch what follows.
CREATE FUNCTION "audit_anchor_refuse_change"() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % is not allowed (audit anchors are only added or moved forward)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit checkpoints can only be added (lib/db/audit-checkpoints.ts).';
END
$$;

CREATE TRIGGER "audit_checkpoints_no_update_delete"
    BEFORE UPDATE OR DELETE ON "audit_checkpoints"
    FOR EACH ROW EXECUTE FUNCTION "audit_anchor_refuse_change"();

CREATE TRIGGER "audit_checkpoints_no_truncate"
    BEFORE TRUNCATE ON "audit_checkpoints"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_anchor_refuse_change"();

-- The high-water mark of issued sequence numbers only moves forward, and its
-- row cannot be removed: deleting audit_log's newest rows does not lower it.
CREATE FUNCTION "audit_chain_head_forward_only"() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."seq" < OLD."seq" THEN
        RAISE EXCEPTION 'audit_chain_head only moves forward: % to % is not allowed', OLD."seq", NEW."seq"
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER "audit_chain_head_forward_only"
    BEFORE UPDATE ON "audit_chain_head"
    FOR EACH ROW EXECUTE FUNCTION "audit_chain_head_forward_only"();

CREATE TRIGGER "audit_chain_head_no_delete"
    BEFORE DELETE ON "audit_chain_head"
    FOR EACH ROW EXECUTE FUNCTION "audit_anchor_refuse_change"();

CREATE TRIGGER "audit_chain_head_no_truncate"
    BEFORE TRUNCATE ON "audit_chain_head"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_anchor_refuse_change"();

-- An existing trail's head becomes the first high-water mark.
INSERT INTO "audit_chain_head" ("id", "seq", "hash", "updated_at")
    SELECT 1, "seq", "hash", now() FROM "audit_log" ORDER BY "seq" DESC LIMIT 1;
