-- AlterTable: what each Stripe event did, and whether its job failed for good
ALTER TABLE "StripeEvent" ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "failedAt" TIMESTAMP(3),
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "replays" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "StripeEvent_type_receivedAt_idx" ON "StripeEvent"("type", "receivedAt");

-- AlterTable: operators' platform actions have no organisation
ALTER TABLE "AuditEntry" ALTER COLUMN "organisationId" DROP NOT NULL;
