-- Connect refunds (what each Stripe refund changed, cancellation refunds) and credit clawback with debt (docs/decisions/0023).

-- CreateEnum
CREATE TYPE "CancellationRefundStatus" AS ENUM ('QUEUED', 'DONE', 'FAILED');

-- AlterEnum: PostgreSQL 12+ adds enum values inside a transaction, and no statement below uses them
ALTER TYPE "CreditEntryKind" ADD VALUE 'CLAWBACK';
ALTER TYPE "CreditEntryKind" ADD VALUE 'SETTLEMENT';

-- AlterTable
ALTER TABLE "CreditEntry" ADD COLUMN     "debtChange" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "CreditPurchase" ADD COLUMN     "refundedMinor" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "stripePaymentIntentId" TEXT;

-- CreateTable
CREATE TABLE "OrderRefund" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "stripeRefundId" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "ticketIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "transferReversalId" TEXT,
    "transferReversedMinor" INTEGER,
    "applicationFeeRefundedMinor" INTEGER,
    "failureReason" TEXT,
    "revertedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrderRefund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CancellationRefund" (
    "orderId" TEXT NOT NULL,
    "raceId" TEXT NOT NULL,
    "status" "CancellationRefundStatus" NOT NULL DEFAULT 'QUEUED',
    "amountMinor" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CancellationRefund_pkey" PRIMARY KEY ("orderId")
);

-- CreateIndex
CREATE UNIQUE INDEX "OrderRefund_stripeRefundId_key" ON "OrderRefund"("stripeRefundId");

-- CreateIndex
CREATE INDEX "OrderRefund_orderId_idx" ON "OrderRefund"("orderId");

-- CreateIndex
CREATE INDEX "CancellationRefund_raceId_status_idx" ON "CancellationRefund"("raceId", "status");

-- CreateIndex
CREATE INDEX "CancellationRefund_status_updatedAt_idx" ON "CancellationRefund"("status", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CreditPurchase_stripePaymentIntentId_key" ON "CreditPurchase"("stripePaymentIntentId");

-- AddForeignKey
ALTER TABLE "OrderRefund" ADD CONSTRAINT "OrderRefund_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CancellationRefund" ADD CONSTRAINT "CancellationRefund_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

