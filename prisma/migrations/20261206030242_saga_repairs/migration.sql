-- AlterTable
ALTER TABLE "sagas" ADD COLUMN     "repaired_at" TIMESTAMPTZ(3),
ADD COLUMN     "time_to_repair_ms" DOUBLE PRECISION;
