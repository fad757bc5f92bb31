-- CreateEnum
CREATE TYPE "QueueEntryStatus" AS ENUM ('WAITING', 'CALLED', 'IN_CHECKOUT', 'REGISTERED', 'LEFT', 'EXPIRED', 'SOLD_OUT');

-- CreateTable
CREATE TABLE "RaceQueue" (
    "raceId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "opensAt" TIMESTAMP(3) NOT NULL,
    "preQueueMinutes" INTEGER NOT NULL DEFAULT 15,
    "admitPerMinute" INTEGER,
    "passMinutes" INTEGER NOT NULL DEFAULT 15,
    "checkoutCap" INTEGER NOT NULL DEFAULT 50,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "shuffledAt" TIMESTAMP(3),
    "lastNumber" INTEGER NOT NULL DEFAULT 0,
    "servingUpTo" INTEGER NOT NULL DEFAULT 0,
    "admittedCount" INTEGER NOT NULL DEFAULT 0,
    "leftCount" INTEGER NOT NULL DEFAULT 0,
    "admitCredit" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "lastTickAt" TIMESTAMP(3),
    "soldOutAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RaceQueue_pkey" PRIMARY KEY ("raceId")
);

-- CreateTable
CREATE TABLE "QueueEntry" (
    "id" TEXT NOT NULL,
    "raceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "roomId" TEXT,
    "number" INTEGER,
    "status" "QueueEntryStatus" NOT NULL DEFAULT 'WAITING',
    "joinedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "calledAt" TIMESTAMP(3),
    "passToken" TEXT,
    "passExpiresAt" TIMESTAMP(3),
    "orderId" TEXT,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "QueueEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_passToken_key" ON "QueueEntry"("passToken");

-- CreateIndex
CREATE INDEX "QueueEntry_raceId_status_number_idx" ON "QueueEntry"("raceId", "status", "number");

-- CreateIndex
CREATE INDEX "QueueEntry_raceId_calledAt_idx" ON "QueueEntry"("raceId", "calledAt");

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_raceId_userId_key" ON "QueueEntry"("raceId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_raceId_number_key" ON "QueueEntry"("raceId", "number");

-- AddForeignKey
ALTER TABLE "RaceQueue" ADD CONSTRAINT "RaceQueue_raceId_fkey" FOREIGN KEY ("raceId") REFERENCES "Race"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QueueEntry" ADD CONSTRAINT "QueueEntry_raceId_fkey" FOREIGN KEY ("raceId") REFERENCES "Race"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QueueEntry" ADD CONSTRAINT "QueueEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QueueEntry" ADD CONSTRAINT "QueueEntry_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Settings the organiser form also refuses: the database keeps them sane whatever writes them.
ALTER TABLE "RaceQueue" ADD CONSTRAINT "RaceQueue_settings_check" CHECK (
  "preQueueMinutes" >= 0 AND "passMinutes" > 0 AND "checkoutCap" > 0 AND ("admitPerMinute" IS NULL OR "admitPerMinute" > 0)
);
