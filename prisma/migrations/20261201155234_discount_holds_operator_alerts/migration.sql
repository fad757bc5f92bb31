-- CreateEnum
CREATE TYPE "AlertSeverity" AS ENUM ('INFO', 'WARNING', 'CRITICAL');

-- AlterTable
ALTER TABLE "DiscountRedemption" ADD COLUMN     "redeemedAt" TIMESTAMP(3);

-- Until now a redemption row was written only when its order was paid.
UPDATE "DiscountRedemption" SET "redeemedAt" = "createdAt";

-- Holds are given back with a decrement, which must never go below zero.
ALTER TABLE "DiscountCode" ADD CONSTRAINT "DiscountCode_redemptionCount_not_negative" CHECK ("redemptionCount" >= 0);

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "checkoutSessionCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "OperatorAlert" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" "AlertSeverity" NOT NULL,
    "message" TEXT NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedById" TEXT,
    "resolution" TEXT,

    CONSTRAINT "OperatorAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OperatorAlert_dedupeKey_key" ON "OperatorAlert"("dedupeKey");

-- CreateIndex
CREATE INDEX "OperatorAlert_resolvedAt_createdAt_idx" ON "OperatorAlert"("resolvedAt", "createdAt");

-- AddForeignKey
ALTER TABLE "OperatorAlert" ADD CONSTRAINT "OperatorAlert_resolvedById_fkey" FOREIGN KEY ("resolvedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

