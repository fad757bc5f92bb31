import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { NotFoundError } from "~/lib/errors";
import { memberRegistrationStatus } from "~/services/room-status.server";
import { activeMember, activeRoomOf, findByCode, type CodeGuesser } from "~/services/rooms.server";
import { paginate } from "./paginate.server";

const ROOMS_PAGE_SIZE = 10;
const ROOM_MESSAGES_PAGE_SIZE = 30;

const roomCard = { id: true, name: true, teamName: true, maxMembers: true, owner: { select: { name: true } }, _count: { select: { members: { where: activeMember } } } } satisfies Prisma.RoomSelect;

/** Open public rooms of a race, newest first, with how many people are in each. */
export async function roomsOfRace(raceId: string, page: number) {
  const where = { raceId, visibility: "PUBLIC" as const, status: "OPEN" as const };
  const { items, pageCount, total } = await paginate({ page, pageSize: ROOMS_PAGE_SIZE }, {
    count: () => db.room.count({ where }),
    rows: (window) => db.room.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], ...window, select: roomCard }),
  });
  return {
    page,
    pageCount,
    total,
    rooms: items.map(({ _count, owner, ...room }) => ({ ...room, ownerName: owner.name, memberCount: _count.members })),
  };
}
export type RoomsOfRace = Awaited<ReturnType<typeof roomsOfRace>>;

export function myRoomForRace(userId: string, raceId: string) {
  return activeRoomOf(userId, raceId);
}

/** What the room page and the join page both show of a room. */
const roomBasicsSelect = {
  id: true,
  name: true,
  teamName: true,
  maxMembers: true,
  visibility: true,
  status: true,
  raceId: true,
  race: { select: { name: true, slug: true } },
} satisfies Prisma.RoomSelect;

/** The room as a page shows it to this viewer; a private room is not found by anyone outside it. */
export async function roomView(roomId: string, viewerId: string) {
  const room = await db.room.findUnique({
    where: { id: roomId },
    select: {
      ...roomBasicsSelect,
      code: true,
      ownerId: true,
      members: { where: activeMember, orderBy: { joinedAt: "asc" }, select: { userId: true, joinedAt: true, user: { select: { name: true } } } },
    },
  });
  if (!room) throw new NotFoundError("This room does not exist.");
  const isMember = room.members.some((m) => m.userId === viewerId);
  const isOwner = room.ownerId === viewerId;
  if (room.visibility === "PRIVATE" && !isMember && !isOwner) throw new NotFoundError("This room does not exist.");
  const [statuses, messages, viewerRoom] = await Promise.all([
    memberRegistrationStatus(room.raceId, room.members.map((m) => m.userId)),
    messagesPage(room.id),
    isMember ? null : activeRoomOf(viewerId, room.raceId),
  ]);
  return {
    id: room.id,
    name: room.name,
    teamName: room.teamName,
    maxMembers: room.maxMembers,
    visibility: room.visibility,
    status: room.status,
    race: room.race,
    /** Only members see the code, so a private room's code travels only by invitation. */
    code: isMember ? room.code : null,
    viewer: { id: viewerId, isMember, isOwner, otherRoom: viewerRoom },
    members: room.members.map((m) => ({
      userId: m.userId,
      name: m.user.name,
      isOwner: m.userId === room.ownerId,
      joinedAt: m.joinedAt.toISOString(),
      registration: statuses[m.userId] ?? "NOT_STARTED",
    })),
    messages: messages.messages,
    olderMessagesCursor: messages.nextCursor,
  };
}
export type RoomView = Awaited<ReturnType<typeof roomView>>;
/** What a room's live feed sends: the room, or that this viewer may no longer see it. */
export type RoomLive = RoomView | { id: string; gone: true };

/**
 * The room for its join link: enough to decide whether to join, and why one cannot. A private room shows
 * someone outside it only that it is a private room and for which race (joining binds their places for
 * that race to the room): its name, team, owner and members stay hidden until they join.
 */
export async function roomByCode(code: string, guesser: CodeGuesser, { counted = false } = {}) {
  const find = (normalised: string) =>
    db.room.findUnique({
      where: { code: normalised },
      select: { ...roomBasicsSelect, owner: { select: { name: true } }, _count: { select: { members: { where: activeMember } } } },
    });
  const room = await findByCode(code, guesser, find, counted);
  if (!room) return null;
  const viewerRoom = await activeRoomOf(guesser.userId, room.raceId);
  if (room.visibility === "PRIVATE" && viewerRoom?.id !== room.id) return { hidden: true as const, race: room.race, viewerRoom };
  return {
    hidden: false as const,
    id: room.id,
    name: room.name,
    teamName: room.teamName,
    maxMembers: room.maxMembers,
    memberCount: room._count.members,
    status: room.status,
    race: room.race,
    ownerName: room.owner.name,
    viewerRoom,
  };
}

/** Visible chat messages, newest first; `cursor` is the id of the last message of the previous page. */
export async function messagesPage(roomId: string, cursor?: string | null) {
  const rows = await db.roomMessage.findMany({
    where: { roomId, deletedAt: null },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: ROOM_MESSAGES_PAGE_SIZE + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    select: { id: true, body: true, createdAt: true, userId: true, user: { select: { name: true } } },
  });
  const page = rows.slice(0, ROOM_MESSAGES_PAGE_SIZE);
  return {
    messages: page.map((m) => ({ id: m.id, body: m.body, userId: m.userId, authorName: m.user.name, createdAt: m.createdAt.toISOString() })),
    nextCursor: rows.length > ROOM_MESSAGES_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null,
  };
}
