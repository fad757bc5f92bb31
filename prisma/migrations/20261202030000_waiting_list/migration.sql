-- Waiting list for sold-out ticket types (ADR 0070) and rooms queueing as one unit (ADR 0071).

-- How long a waiting-list offer holds its place for the person offered it (minutes): 30 min (the shortest Stripe
-- checkout) to 24 h (the longest), 12 h by default.
ALTER TABLE "Race" ADD COLUMN "waitlistClaimMinutes" INTEGER NOT NULL DEFAULT 720;
ALTER TABLE "Race" ADD CONSTRAINT "Race_waitlistClaimMinutes_check" CHECK ("waitlistClaimMinutes" BETWEEN 30 AND 1440);

CREATE TYPE "WaitlistStatus" AS ENUM ('WAITING', 'OFFERED', 'CLAIMED', 'PURCHASED', 'EXPIRED', 'LEFT');

CREATE TABLE "WaitlistEntry" (
    "id" TEXT NOT NULL,
    "raceId" TEXT NOT NULL,
    "ticketTypeId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "status" "WaitlistStatus" NOT NULL DEFAULT 'WAITING',
    "joinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "offeredAt" TIMESTAMP(3),
    "offerExpiresAt" TIMESTAMP(3),
    "offeredById" TEXT,
    "orderId" TEXT,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "WaitlistEntry_pkey" PRIMARY KEY ("id"),
    -- An offer is a held place: it always carries its pending order and when it runs out.
    CONSTRAINT "WaitlistEntry_offer_check" CHECK ("status" NOT IN ('OFFERED', 'CLAIMED') OR ("orderId" IS NOT NULL AND "offerExpiresAt" IS NOT NULL))
);

CREATE UNIQUE INDEX "WaitlistEntry_ticketTypeId_userId_key" ON "WaitlistEntry"("ticketTypeId", "userId");
CREATE UNIQUE INDEX "WaitlistEntry_orderId_key" ON "WaitlistEntry"("orderId");
CREATE INDEX "WaitlistEntry_ticketTypeId_status_joinedAt_idx" ON "WaitlistEntry"("ticketTypeId", "status", "joinedAt");
CREATE INDEX "WaitlistEntry_raceId_status_idx" ON "WaitlistEntry"("raceId", "status");
CREATE INDEX "WaitlistEntry_userId_idx" ON "WaitlistEntry"("userId");

ALTER TABLE "WaitlistEntry" ADD CONSTRAINT "WaitlistEntry_raceId_fkey" FOREIGN KEY ("raceId") REFERENCES "Race"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WaitlistEntry" ADD CONSTRAINT "WaitlistEntry_ticketTypeId_fkey" FOREIGN KEY ("ticketTypeId") REFERENCES "TicketType"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WaitlistEntry" ADD CONSTRAINT "WaitlistEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WaitlistEntry" ADD CONSTRAINT "WaitlistEntry_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A room's queue entry admits its members together: the places its admission counted (1 for a person alone).
ALTER TABLE "QueueEntry" ADD COLUMN "places" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "QueueEntry" ADD CONSTRAINT "QueueEntry_places_check" CHECK ("places" >= 1);
