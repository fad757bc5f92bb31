import { randomInt } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import { ROOM_MESSAGE_MAX, type CreateRoomInput } from "~/validation/rooms";
import { DomainError, NotFoundError } from "~/lib/errors";
import { notify } from "./notifications.server";
import { check, forgive, hit } from "./rate-limit.server";
import { announceRoomChange, memberRegistrationStatus } from "./room-status.server";

export const ROOMS_PAGE_SIZE = 10;
export const ROOM_MESSAGES_PAGE_SIZE = 30;
export const MESSAGE_LIMIT = { count: 10, windowSeconds: 30 };
/** Wrong room codes one user, or one IP address, may try per window before being told to wait. */
export const CODE_GUESS_LIMIT = { perUser: 10, perIp: 30, windowSeconds: 15 * 60 };

/**
 * No 0/O, 1/I/L: codes are read aloud and typed from phones. A code is the only key to a private room, so
 * it is long enough not to be guessed: 31^10 ≈ 8·10^14 codes, tried at most a few dozen times per 15 minutes.
 */
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LENGTH = 10;

export function newRoomCode() {
  return Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
}

/**
 * A rule of rooms the user ran into, shown with the form they used; `href` points at the room that
 * explains it (e.g. the one they are in).
 */
export class RoomError extends DomainError {
  constructor(message: string, kind: "invalid" | "forbidden" | "not_found" | "conflict" | "rate_limited" = "conflict", href?: string) {
    super(kind, message, { field: "form", href });
    this.name = "RoomError";
  }
}

const activeMember = { leftAt: null } as const;

async function activeRoomOf(userId: string, raceId: string, tx: Db = db) {
  const membership = await tx.roomMember.findFirst({
    where: { userId, raceId, ...activeMember },
    select: { room: { select: { id: true, name: true } } },
  });
  return membership?.room ?? null;
}

function alreadyInRoom(room: { id: string; name: string }) {
  return new RoomError(`You are already in the room “${room.name}” for this race. Leave it before creating or joining another.`, "conflict", `/rooms/${room.id}`);
}

/** The owner's room with its first member, the owner. A user has at most one active room per race. */
export async function createRoom({ raceId, ownerId, input }: { raceId: string; ownerId: string; input: CreateRoomInput }) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const room = await db.$transaction(async (tx) => {
        const race = await tx.race.findUnique({ where: { id: raceId }, select: { status: true } });
        if (!race) throw new NotFoundError("This race does not exist.");
        if (race.status !== "PUBLISHED") throw new RoomError("This race is not taking registrations, so new rooms cannot be made for it.", "conflict");
        const current = await activeRoomOf(ownerId, raceId, tx);
        if (current) throw alreadyInRoom(current);
        const created = await tx.room.create({
          data: { raceId, ownerId, code: newRoomCode(), name: input.name, teamName: input.teamName, maxMembers: input.maxMembers, visibility: input.visibility },
          select: { id: true, code: true, raceId: true },
        });
        await tx.roomMember.create({ data: { roomId: created.id, raceId, userId: ownerId } });
        return created;
      });
      await announceRoomChange(room.id);
      return room;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Either another tab made this user a member meanwhile, or the code collided: tell or retry.
      const current = await activeRoomOf(ownerId, raceId);
      if (current) throw alreadyInRoom(current);
      if (attempt >= 5) throw error;
    }
  }
}

type RoomRow = { id: string; raceId: string; ownerId: string; name: string; maxMembers: number; visibility: "PUBLIC" | "PRIVATE"; status: "OPEN" | "CLOSED" };

/** Locks the room row so joins to its last place happen one at a time. */
async function lockRoom(tx: Prisma.TransactionClient, roomId: string) {
  const rows = await tx.$queryRaw<RoomRow[]>`SELECT id, "raceId", "ownerId", name, "maxMembers", visibility::text AS visibility, status::text AS status FROM "Room" WHERE id = ${roomId} FOR UPDATE`;
  return rows[0] ?? null;
}

/** Codes are typed from phones and read aloud: case, spaces and dashes do not matter. */
export function normaliseCode(code: string) {
  return code.replace(/[\s-]/g, "").toUpperCase();
}

/** Who is trying a room code: each has their own budget of wrong guesses. */
export type CodeGuesser = { userId: string; ip: string };

/**
 * Looks a room up by its code, counting the attempt against the user's and the IP address's budget first
 * (INCR is atomic, so parallel guesses cannot slip past the limit together). A code that exists is taken
 * back off both counters: only wrong guesses use the budget, so people following a shared link never run
 * into the limit. `counted`: this request's attempt was already counted (a form post without JavaScript runs
 * the action, then the page's loader, for one attempt), so only whether the budget is spent is checked.
 */
async function findByCode<T>(code: string, guesser: CodeGuesser, find: (code: string) => Promise<T | null>, counted = false) {
  const budgets = [
    { bucket: `room-code:user:${guesser.userId}`, limit: CODE_GUESS_LIMIT.perUser },
    { bucket: `room-code:ip:${guesser.ip}`, limit: CODE_GUESS_LIMIT.perIp },
  ];
  const spent = async ({ bucket, limit }: (typeof budgets)[number]) => {
    // Spent: more attempts than the limit allows (`check` says blocked from `limit` on, hence the + 1).
    if (counted) return check(bucket, limit + 1);
    const attempts = await hit(bucket, CODE_GUESS_LIMIT.windowSeconds);
    return attempts > limit ? check(bucket, limit) : { blocked: false, retryAfterSeconds: 0 };
  };
  const states = await Promise.all(budgets.map(spent));
  if (states.some((state) => state.blocked)) {
    const minutes = Math.ceil(Math.max(...states.map((state) => state.retryAfterSeconds)) / 60);
    throw new RoomError(`Too many wrong room codes. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again, or ask for the link.`, "rate_limited");
  }
  const found = await find(normaliseCode(code));
  if (found && !counted) await Promise.all(budgets.map(({ bucket }) => forgive(bucket)));
  return found;
}

/** How messages name a room: a private room's name is for its members only. */
function roomLabel(room: { name: string; visibility: string }) {
  return room.visibility === "PRIVATE" ? "This private room" : `The room “${room.name}”`;
}

/**
 * Joins a room by its code (any room; counted against the guesser's budget) or by id (public rooms only:
 * private ones are reached through their code or link). Joining a room one is already in changes nothing.
 */
export async function joinRoom({ userId, ...target }: { userId: string } & ({ code: string; ip: string } | { roomId: string })) {
  const byCode = "code" in target;
  const roomId = byCode
    ? await findByCode(target.code, { userId, ip: target.ip }, (code) => db.room.findUnique({ where: { code }, select: { id: true } })).then((room) => room?.id)
    : target.roomId;
  const unknown = byCode ? "No room has this code. Check it with the person who shared it." : "This room does not exist.";
  const room = await db
    .$transaction(async (tx) => {
      const room = roomId ? await lockRoom(tx, roomId) : null;
      if (!room || (!byCode && room.visibility === "PRIVATE")) throw new RoomError(unknown, "not_found");
      const current = await activeRoomOf(userId, room.raceId, tx);
      if (current?.id === room.id) return { room, joined: false, member: null };
      if (room.status === "CLOSED") throw new RoomError(`${roomLabel(room)} is closed.`, "conflict");
      if (current) throw alreadyInRoom(current);
      const members = await tx.roomMember.count({ where: { roomId: room.id, ...activeMember } });
      if (members >= room.maxMembers) {
        throw new RoomError(room.visibility === "PRIVATE" ? "This private room is full." : `${roomLabel(room)} is full (${room.maxMembers} of ${room.maxMembers}).`, "conflict");
      }
      const member = await tx.roomMember.create({ data: { roomId: room.id, raceId: room.raceId, userId }, select: { id: true, user: { select: { name: true } } } });
      return { room, joined: true, member };
    })
    .catch(async (error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      const raceId = await db.room.findUnique({ where: { id: roomId }, select: { raceId: true } });
      const current = raceId ? await activeRoomOf(userId, raceId.raceId) : null;
      if (current) throw alreadyInRoom(current);
      throw error;
    });
  if (room.member) {
    await announceRoomChange(room.room.id);
    await notify({
      userId: room.room.ownerId,
      kind: "room.joined",
      title: `${room.member.user.name} joined ${room.room.name}`,
      body: `${room.member.user.name} is now in your room.`,
      href: `/rooms/${room.room.id}`,
      dedupeKey: `room.joined:${room.member.id}`,
    });
  }
  return { id: room.room.id, joined: room.joined };
}

async function ownedOpenRoom(tx: Prisma.TransactionClient, roomId: string, actorId: string) {
  const room = await lockRoom(tx, roomId);
  if (!room) throw new NotFoundError("This room does not exist.");
  if (room.ownerId !== actorId) throw new RoomError("Only the room's owner can do that.", "forbidden");
  if (room.status === "CLOSED") throw new RoomError("This room is closed.", "conflict");
  return room;
}

/** Leaves the room; the owner must hand the room to someone else or close it first. */
export async function leaveRoom({ roomId, userId }: { roomId: string; userId: string }) {
  await db.$transaction(async (tx) => {
    const room = await lockRoom(tx, roomId);
    if (!room) throw new NotFoundError("This room does not exist.");
    if (room.ownerId === userId && room.status === "OPEN") {
      throw new RoomError("You own this room: make another member the owner, or close the room, before you leave.", "conflict");
    }
    const { count } = await tx.roomMember.updateMany({ where: { roomId, userId, ...activeMember }, data: { leftAt: new Date() } });
    if (count === 0) throw new RoomError("You are not in this room.", "conflict");
  });
  await announceRoomChange(roomId);
}

export async function removeMember({ roomId, actorId, userId }: { roomId: string; actorId: string; userId: string }) {
  const { room, memberId } = await db.$transaction(async (tx) => {
    const room = await ownedOpenRoom(tx, roomId, actorId);
    if (userId === actorId) throw new RoomError("You own this room: close it instead of removing yourself.", "conflict");
    const member = await tx.roomMember.findFirst({ where: { roomId, userId, ...activeMember }, select: { id: true } });
    if (!member) throw new RoomError("That person is no longer in this room.", "conflict");
    await tx.roomMember.update({ where: { id: member.id }, data: { leftAt: new Date() } });
    return { room, memberId: member.id };
  });
  await announceRoomChange(roomId);
  await notify({
    userId,
    kind: "room.removed",
    title: `You left ${room.name}`,
    body: `The owner removed you from ${room.name}. You can join or create another room for the race.`,
    dedupeKey: `room.removed:${memberId}`,
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

/** Open public rooms of a race, newest first, with how many people are in each. */
export async function roomsOfRace(raceId: string, page: number) {
  const where = { raceId, visibility: "PUBLIC" as const, status: "OPEN" as const };
  const [total, rooms] = await Promise.all([
    db.room.count({ where }),
    db.room.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * ROOMS_PAGE_SIZE,
      take: ROOMS_PAGE_SIZE,
      select: {
        id: true,
        name: true,
        teamName: true,
        maxMembers: true,
        owner: { select: { name: true } },
        _count: { select: { members: { where: activeMember } } },
      },
    }),
  ]);
  return {
    page,
    pageCount: Math.max(1, Math.ceil(total / ROOMS_PAGE_SIZE)),
    total,
    rooms: rooms.map(({ _count, owner, ...room }) => ({ ...room, ownerName: owner.name, memberCount: _count.members })),
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
