import { db } from "~/utils/db.server";
import type { z } from "zod";
import type { clubRoomSchema } from "~/validation/clubs";
import { announceClubChange, notifyClubMembers, requireClubAdmin } from "./clubs.server";
import { createRoom } from "./rooms.server";

/**
 * An admin opens a room (ADR 0020) for a race from the club: a private room owned by the admin, the team named
 * after the club unless they chose otherwise; every other member is told and joins from the club page in one click.
 */
export async function openClubRoom({ clubId, actorId, input }: { clubId: string; actorId: string; input: z.output<typeof clubRoomSchema> }) {
  const club = await requireClubAdmin(clubId, actorId);
  const teamName = input.teamName ?? club.name.slice(0, 60);
  const room = await createRoom({ raceId: input.raceId, ownerId: actorId, clubId, input: { name: teamName, teamName, maxMembers: input.maxMembers, visibility: "PRIVATE" } });
  await announceClubChange(clubId);
  const race = await db.race.findUniqueOrThrow({ where: { id: room.raceId }, select: { name: true } });
  const others = await db.clubMember.findMany({ where: { clubId, userId: { not: actorId } }, select: { userId: true } });
  await notifyClubMembers(
    clubId,
    others.map((m) => m.userId),
    {
      kind: "club.room",
      title: `${club.name} is entering ${race.name}`,
      body: `Join the club's room “${room.name}” to register together.`,
      href: `/rooms/join/${room.code}`,
      dedupeKey: `club.room:${room.id}`,
    },
  );
  return room;
}
