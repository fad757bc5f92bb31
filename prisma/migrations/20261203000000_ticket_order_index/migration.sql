-- Fulfilment, refunds and the order page find an order's tickets by "orderId" (ADR 0086).
CREATE INDEX "Ticket_orderId_idx" ON "Ticket"("orderId");
