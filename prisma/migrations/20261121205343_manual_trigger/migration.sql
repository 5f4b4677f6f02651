-- AlterTable
ALTER TABLE "spans" ADD COLUMN     "trigger" TEXT;
