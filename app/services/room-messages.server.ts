import { db } from "~/utils/db.server";
import { ROOM_MESSAGE_MAX } from "~/validation/rooms";
import { NotFoundError } from "~/lib/errors";
import { check, hit } from "./rate-limit.server";
import { announceRoomChange } from "./room-status.server";
import { activeMember, RoomError } from "./rooms.server";

const MESSAGE_LIMIT = { count: 10, windowSeconds: 30 };

async function requireMember(roomId: string, userId: string) {
  const room = await db.room.findUnique({
    where: { id: roomId },
    select: { visibility: true, status: true, ownerId: true, members: { where: { userId, ...activeMember }, select: { id: true } } },
  });
  if (!room || (room.visibility === "PRIVATE" && room.members.length === 0)) throw new NotFoundError("This room does not exist.");
  if (room.status === "CLOSED") throw new RoomError("This room is closed.", "conflict");
  if (room.members.length === 0) throw new RoomError("Join the room to post in its chat.", "forbidden");
  return room;
}

/** A member's chat message, at most 10 per 30 seconds per user. */
export async function postMessage({ roomId, userId, body }: { roomId: string; userId: string; body: string }) {
  const text = body.trim();
  if (text.length === 0 || text.length > ROOM_MESSAGE_MAX) throw new RoomError(`A message has 1 to ${ROOM_MESSAGE_MAX} characters.`, "invalid");
  await requireMember(roomId, userId);
  const bucket = `room-message:${userId}`;
  // Count first (INCR is atomic), so parallel posts cannot slip past the limit together.
  if ((await hit(bucket, MESSAGE_LIMIT.windowSeconds)) > MESSAGE_LIMIT.count) {
    const { retryAfterSeconds } = await check(bucket, MESSAGE_LIMIT.count);
    throw new RoomError(`You are sending messages too fast. Wait ${retryAfterSeconds} seconds and try again.`, "rate_limited");
  }
  const message = await db.roomMessage.create({ data: { roomId, userId, body: text }, select: { id: true } });
  await announceRoomChange(roomId);
  return message;
}

/** The owner hides a message from everyone; it is kept (soft delete). */
export async function deleteMessage({ roomId, actorId, messageId }: { roomId: string; actorId: string; messageId: string }) {
  const room = await db.room.findUnique({ where: { id: roomId }, select: { ownerId: true } });
  if (!room) throw new NotFoundError("This room does not exist.");
  if (room.ownerId !== actorId) throw new RoomError("Only the room's owner can delete messages.", "forbidden");
  const { count } = await db.roomMessage.updateMany({ where: { id: messageId, roomId, deletedAt: null }, data: { deletedAt: new Date() } });
  if (count > 0) await announceRoomChange(roomId);
}
