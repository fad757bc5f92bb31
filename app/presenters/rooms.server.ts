import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { NotFoundError } from "~/lib/errors";
import { memberRegistrationStatus, type MemberRegistrationStatus } from "~/services/room-status.server";
import { activeMember, activeRoomOf, findByCode, wasRemoved, type CodeGuesser } from "~/services/rooms.server";
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

/** What someone the owner removed sees of the room: that they were removed, and its race (to register alone). */
export type RoomRemoved = { id: string; removed: true; name: string; race: { name: string; slug: string } };

/**
 * The room as a page shows it to this viewer; a private room is not found by anyone outside it. Someone the owner
 * removed (and has not invited back) sees only that they were removed.
 */
export async function roomView(roomId: string, viewerId: string): Promise<RoomView | RoomRemoved> {
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
  if (!isMember && (await wasRemoved(db, room.id, viewerId))) return { id: room.id, removed: true, name: room.name, race: room.race };
  if (room.visibility === "PRIVATE" && !isMember && !isOwner) throw new NotFoundError("This room does not exist.");
  const [statuses, messages, viewerRoom, removed] = await Promise.all([
    memberRegistrationStatus(room.raceId, room.members.map((m) => m.userId)),
    messagesPage(room.id),
    isMember ? null : activeRoomOf(viewerId, room.raceId),
    isOwner
      ? db.roomMember.findMany({
          where: { roomId: room.id, removedAt: { not: null } },
          distinct: ["userId"],
          orderBy: { userId: "asc" },
          select: { userId: true, user: { select: { name: true } } },
        })
      : [],
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
    /** People the owner removed, for the owner to invite back. */
    removedPeople: removed.map((m) => ({ userId: m.userId, name: m.user.name })),
    messages: messages.messages,
    olderMessagesCursor: messages.nextCursor,
  };
}
export type RoomView = {
  id: string;
  name: string;
  teamName: string | null;
  maxMembers: number;
  visibility: "PUBLIC" | "PRIVATE";
  status: "OPEN" | "CLOSED";
  race: { name: string; slug: string };
  code: string | null;
  viewer: { id: string; isMember: boolean; isOwner: boolean; otherRoom: { id: string; name: string } | null };
  members: { userId: string; name: string; isOwner: boolean; joinedAt: string; registration: MemberRegistrationStatus }[];
  removedPeople: { userId: string; name: string }[];
  messages: Awaited<ReturnType<typeof messagesPage>>["messages"];
  olderMessagesCursor: string | null;
};
/** What a room's live feed sends: the room, that this viewer was removed, or that they may no longer see it. */
export type RoomLive = RoomView | RoomRemoved | { id: string; gone: true };

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
  const [viewerRoom, removed] = await Promise.all([activeRoomOf(guesser.userId, room.raceId), wasRemoved(db, room.id, guesser.userId)]);
  if (room.visibility === "PRIVATE" && viewerRoom?.id !== room.id) return { hidden: true as const, race: room.race, viewerRoom, removed };
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
    removed,
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
