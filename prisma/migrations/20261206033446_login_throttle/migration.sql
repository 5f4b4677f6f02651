-- CreateTable
CREATE TABLE "login_throttle" (
    "account" TEXT NOT NULL,
    "client" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "round_started_at" TIMESTAMPTZ(3),
    "locked_until" TIMESTAMPTZ(3),
    "lockouts" INTEGER NOT NULL DEFAULT 0,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_throttle_pkey" PRIMARY KEY ("account","client")
);

-- CreateIndex
CREATE INDEX "login_throttle_updated_at_idx" ON "login_throttle"("updated_at");
