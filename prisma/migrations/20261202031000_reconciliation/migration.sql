-- CreateEnum
CREATE TYPE "ReconciliationFlagKind" AS ENUM ('PAID_NOT_RECORDED', 'REFUND_MISMATCH', 'AMOUNT_MISMATCH');

-- CreateTable: differences between Stripe and Startline found by reconciliation (ADR 0075)
CREATE TABLE "ReconciliationFlag" (
    "id" TEXT NOT NULL,
    "kind" "ReconciliationFlagKind" NOT NULL,
    "stripeObjectId" TEXT NOT NULL,
    "stripeSessionId" TEXT,
    "stripePaymentIntentId" TEXT,
    "account" TEXT,
    "orderId" TEXT,
    "purchaseId" TEXT,
    "currency" TEXT NOT NULL,
    "stripeAmountMinor" INTEGER,
    "startlineAmountMinor" INTEGER,
    "message" TEXT NOT NULL,
    "detectedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedById" TEXT,
    "note" TEXT,
    "alertedAt" TIMESTAMP(3),

    CONSTRAINT "ReconciliationFlag_pkey" PRIMARY KEY ("id")
);

-- CreateTable: one row per reconciliation run
CREATE TABLE "ReconciliationRun" (
    "id" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "accounts" INTEGER NOT NULL DEFAULT 0,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "charges" INTEGER NOT NULL DEFAULT 0,
    "newFlags" INTEGER NOT NULL DEFAULT 0,
    "settledFlags" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationFlag_kind_stripeObjectId_key" ON "ReconciliationFlag"("kind", "stripeObjectId");
CREATE INDEX "ReconciliationFlag_resolvedAt_detectedAt_idx" ON "ReconciliationFlag"("resolvedAt", "detectedAt");
CREATE INDEX "ReconciliationRun_startedAt_idx" ON "ReconciliationRun"("startedAt");

-- AddForeignKey
ALTER TABLE "ReconciliationFlag" ADD CONSTRAINT "ReconciliationFlag_resolvedById_fkey" FOREIGN KEY ("resolvedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
