-- A member the owner removed: they cannot join the room again until the owner invites them back (clears it).
ALTER TABLE "RoomMember" ADD COLUMN "removedAt" TIMESTAMP(3);
