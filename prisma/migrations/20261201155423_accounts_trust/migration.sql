-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "clientIp" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "emailVerifiedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "PasswordResetToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "requestKey" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PasswordResetToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PasswordResetToken_tokenHash_key" ON "PasswordResetToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "PasswordResetToken_requestKey_key" ON "PasswordResetToken"("requestKey");

-- CreateIndex
CREATE INDEX "PasswordResetToken_userId_idx" ON "PasswordResetToken"("userId");

-- AddForeignKey
ALTER TABLE "PasswordResetToken" ADD CONSTRAINT "PasswordResetToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Accounts created before verification existed are left unverified: nobody has proven they own that
-- address. They can still browse and buy, and publishing a race or starting payouts asks them to click a link
-- (docs/decisions/0023-accounts-trust.md). The demo seed marks its own accounts verified.

-- One pending order per buyer per race. A buyer who already holds places twice for one race (the race
-- this index closes) keeps the newest hold, older ones are cancelled and their places given back, exactly
-- as reservePlaces does when a buyer starts again.
WITH "superseded" AS (
  SELECT "id" FROM (
    SELECT "id", row_number() OVER (PARTITION BY "raceId", "buyerId" ORDER BY "createdAt" DESC, "id" DESC) AS "rank"
    FROM "Order" WHERE "status" = 'PENDING' AND "buyerId" IS NOT NULL
  ) AS "ranked" WHERE "rank" > 1
), "cancelledOrders" AS (
  UPDATE "Order" SET "status" = 'CANCELLED', "updatedAt" = CURRENT_TIMESTAMP
  WHERE "id" IN (SELECT "id" FROM "superseded") RETURNING "id"
), "releasedTickets" AS (
  UPDATE "Ticket" SET "status" = 'CANCELLED', "updatedAt" = CURRENT_TIMESTAMP
  WHERE "status" = 'HELD' AND "orderId" IN (SELECT "id" FROM "superseded") RETURNING "ticketTypeId"
)
UPDATE "TicketType" AS "type" SET "heldCount" = "type"."heldCount" - "held"."count"
FROM (SELECT "ticketTypeId", count(*)::int AS "count" FROM "releasedTickets" GROUP BY "ticketTypeId") AS "held"
WHERE "type"."id" = "held"."ticketTypeId";

-- Partial indexes (schema.prisma cannot express them, so it names them in a comment on Order).
CREATE UNIQUE INDEX "Order_one_pending_per_buyer_race" ON "Order"("raceId", "buyerId") WHERE "status" = 'PENDING';
CREATE INDEX "Order_pending_clientIp_idx" ON "Order"("clientIp") WHERE "status" = 'PENDING';
