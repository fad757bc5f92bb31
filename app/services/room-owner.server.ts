import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { NotFoundError } from "~/lib/errors";
import { notify } from "./notifications.server";
import { announceRoomChange } from "./room-status.server";
import { activeMember, lockRoom, RoomError } from "./rooms.server";

async function ownedOpenRoom(tx: Prisma.TransactionClient, roomId: string, actorId: string) {
  const room = await lockRoom(tx, roomId);
  if (!room) throw new NotFoundError("This room does not exist.");
  if (room.ownerId !== actorId) throw new RoomError("Only the room's owner can do that.", "forbidden");
  if (room.status === "CLOSED") throw new RoomError("This room is closed.", "conflict");
  return room;
}

export async function removeMember({ roomId, actorId, userId }: { roomId: string; actorId: string; userId: string }) {
  const { room, memberId } = await db.$transaction(async (tx) => {
    const room = await ownedOpenRoom(tx, roomId, actorId);
    if (userId === actorId) throw new RoomError("You own this room: close it instead of removing yourself.", "conflict");
    const member = await tx.roomMember.findFirst({ where: { roomId, userId, ...activeMember }, select: { id: true } });
    if (!member) throw new RoomError("That person is no longer in this room.", "conflict");
    const now = new Date();
    await tx.roomMember.update({ where: { id: member.id }, data: { leftAt: now, removedAt: now } });
    return { room, memberId: member.id };
  });
  await announceRoomChange(roomId);
  await notify({
    userId,
    kind: "room.removed",
    title: `You were removed from ${room.name}`,
    body: `The owner removed you from ${room.name}. You can join it again only if they invite you back; you can join or create another room for the race.`,
    dedupeKey: `room.removed:${memberId}`,
  });
}

/** Lets a removed person back: the room accepts them again through its link, which their notification carries. */
export async function inviteBack({ roomId, actorId, userId }: { roomId: string; actorId: string; userId: string }) {
  const room = await db.$transaction(async (tx) => {
    await ownedOpenRoom(tx, roomId, actorId);
    const { count } = await tx.roomMember.updateMany({ where: { roomId, userId, removedAt: { not: null } }, data: { removedAt: null } });
    if (count === 0) throw new RoomError("That person was not removed from this room.", "conflict");
    return tx.room.findUniqueOrThrow({ where: { id: roomId }, select: { name: true, code: true } });
  });
  await announceRoomChange(roomId);
  await notify({
    userId,
    kind: "room.invited",
    title: `You are invited back to ${room.name}`,
    body: `The owner of ${room.name} invited you back. Join it again from its link.`,
    href: `/rooms/join/${room.code}`,
    dedupeKey: `room.invited:${roomId}:${userId}:${Date.now()}`,
  });
}

export async function transferOwnership({ roomId, actorId, toUserId }: { roomId: string; actorId: string; toUserId: string }) {
  if (toUserId === actorId) throw new RoomError("You already own this room.", "conflict");
  const room = await db.$transaction(async (tx) => {
    const room = await ownedOpenRoom(tx, roomId, actorId);
    const member = await tx.roomMember.findFirst({ where: { roomId, userId: toUserId, ...activeMember }, select: { id: true } });
    if (!member) throw new RoomError("Only a member of the room can become its owner.", "conflict");
    await tx.room.update({ where: { id: roomId }, data: { ownerId: toUserId } });
    return room;
  });
  await announceRoomChange(roomId);
  await notify({
    userId: toUserId,
    kind: "room.owner",
    title: `You own ${room.name} now`,
    body: `You can now remove members, delete messages and close ${room.name}.`,
    href: `/rooms/${roomId}`,
    dedupeKey: `room.owner:${roomId}:${toUserId}:${Date.now()}`,
  });
}

/** Closes the room for good: every member leaves it, so each can create or join another. */
export async function closeRoom({ roomId, actorId }: { roomId: string; actorId: string }) {
  const { room, memberIds } = await db.$transaction(async (tx) => {
    const room = await ownedOpenRoom(tx, roomId, actorId);
    const now = new Date();
    const members = await tx.roomMember.findMany({ where: { roomId, ...activeMember }, select: { userId: true } });
    await tx.room.update({ where: { id: roomId }, data: { status: "CLOSED", closedAt: now } });
    await tx.roomMember.updateMany({ where: { roomId, ...activeMember }, data: { leftAt: now } });
    return { room, memberIds: members.map((m) => m.userId).filter((id) => id !== actorId) };
  });
  await announceRoomChange(roomId);
  for (const userId of memberIds) {
    await notify({
      userId,
      kind: "room.closed",
      title: `${room.name} was closed`,
      body: `The owner closed ${room.name}. You can join or create another room for the race.`,
      dedupeKey: `room.closed:${roomId}:${userId}`,
    });
  }
}
