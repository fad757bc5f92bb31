import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, type Db } from "~/utils/db.server";

export type MemberRegistrationStatus = "NOT_STARTED" | "IN_CHECKOUT" | "REGISTERED";

/**
 * Where each user stands in registering for the race: "registered" with an issued ticket they bought
 * or were assigned, "in checkout" with a held one whose hold has not run out, otherwise "not started".
 */
export async function memberRegistrationStatus(raceId: string, userIds: string[], tx: Db = db, now = new Date()) {
  const statuses: Record<string, MemberRegistrationStatus> = Object.fromEntries(userIds.map((id) => [id, "NOT_STARTED" as const]));
  if (userIds.length === 0) return statuses;
  const tickets = await tx.ticket.findMany({
    where: {
      raceId,
      OR: [
        { status: "ISSUED" },
        { status: "HELD", order: { status: "PENDING", OR: [{ holdExpiresAt: null }, { holdExpiresAt: { gt: now } }] } },
      ],
      AND: [{ OR: [{ assigneeId: { in: userIds } }, { order: { buyerId: { in: userIds } } }] }],
    },
    select: { status: true, assigneeId: true, order: { select: { buyerId: true } } },
  });
  for (const ticket of tickets) {
    for (const userId of new Set([ticket.assigneeId, ticket.order.buyerId])) {
      if (!userId || !(userId in statuses)) continue;
      if (ticket.status === "ISSUED") statuses[userId] = "REGISTERED";
      else if (statuses[userId] === "NOT_STARTED") statuses[userId] = "IN_CHECKOUT";
    }
  }
  return statuses;
}

/**
 * Tells every open page of the room (and the race's room list) to re-read it. Call after the change
 * is committed; safe to call for a room that no longer exists.
 */
export async function announceRoomChange(roomId: string | null | undefined) {
  if (!roomId) return;
  const room = await db.room.findUnique({ where: { id: roomId }, select: { raceId: true } });
  const message = { type: "room.changed" as const, at: new Date().toISOString() };
  await publish(channels.room(roomId), message);
  if (room) await publish(channels.raceRooms(room.raceId), message);
}

/** Announces every distinct room among these tickets once (tickets outside rooms have no room id). */
export async function announceRoomsChange(roomIds: (string | null | undefined)[]) {
  await Promise.all([...new Set(roomIds.filter((id): id is string => Boolean(id)))].map((id) => announceRoomChange(id)));
}

/** For checkout and fulfilment: the rooms these users are in for the race re-read their members' status. */
export async function announceMembersChange(raceId: string, userIds: string[]) {
  const ids = userIds.filter(Boolean);
  if (ids.length === 0) return;
  const memberships = await db.roomMember.findMany({ where: { raceId, userId: { in: ids }, leftAt: null }, select: { roomId: true } });
  await Promise.all([...new Set(memberships.map((m) => m.roomId))].map((roomId) => announceRoomChange(roomId)));
}
