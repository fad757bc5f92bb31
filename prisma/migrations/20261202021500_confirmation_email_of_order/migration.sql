-- The confirmation email of a paid order, recorded by fulfilment's statement (at most one per order).
-- Its content (bibs, QR codes) is rendered when it is sent (ADR 0060).
ALTER TABLE "EmailMessage" ADD COLUMN "confirmsOrderId" TEXT;
CREATE UNIQUE INDEX "EmailMessage_confirmsOrderId_key" ON "EmailMessage"("confirmsOrderId");
