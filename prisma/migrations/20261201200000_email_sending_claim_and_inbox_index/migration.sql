-- AlterEnum
ALTER TYPE "EmailStatus" ADD VALUE 'SENDING' BEFORE 'SENT';

-- AlterTable
ALTER TABLE "EmailMessage" ADD COLUMN     "sendingAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "StripeEvent_processedAt_receivedAt_idx" ON "StripeEvent"("processedAt", "receivedAt");
