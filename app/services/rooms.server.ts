import { randomInt } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import type { CreateRoomInput } from "~/validation/rooms";
import { DomainError, NotFoundError } from "~/lib/errors";
import { REMOVED_FROM_ROOM } from "~/lib/room-rules";
import { notify } from "./notifications.server";
import { check, forgive, hit } from "./rate-limit.server";
import { announceRoomChange } from "./room-status.server";

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

/** A membership that has not ended. */
export const activeMember = { leftAt: null } as const;

/** Whether the owner removed this person from the room and has not invited them back. */
export async function wasRemoved(tx: Db, roomId: string, userId: string) {
  return (await tx.roomMember.count({ where: { roomId, userId, removedAt: { not: null } } })) > 0;
}

function removedError() {
  return new RoomError(REMOVED_FROM_ROOM, "forbidden");
}

/** The room the user is in for this race, if any. */
export async function activeRoomOf(userId: string, raceId: string, tx: Db = db) {
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
export async function createRoom({ raceId, ownerId, input, clubId }: { raceId: string; ownerId: string; input: CreateRoomInput; /** The club an admin opens it from. */ clubId?: string }) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const room = await db.$transaction(async (tx) => {
        const race = await tx.race.findUnique({ where: { id: raceId }, select: { status: true } });
        if (!race) throw new NotFoundError("This race does not exist.");
        if (race.status !== "PUBLISHED") throw new RoomError("This race is not taking registrations, so new rooms cannot be made for it.", "conflict");
        const current = await activeRoomOf(ownerId, raceId, tx);
        if (current) throw alreadyInRoom(current);
        const created = await tx.room.create({
          data: { raceId, ownerId, clubId, code: newRoomCode(), name: input.name, teamName: input.teamName, maxMembers: input.maxMembers, visibility: input.visibility },
          select: { id: true, code: true, raceId: true, name: true },
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
export async function lockRoom(tx: Prisma.TransactionClient, roomId: string) {
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
export async function findByCode<T>(code: string, guesser: CodeGuesser, find: (code: string) => Promise<T | null>, counted = false, what: "room" | "club" = "room") {
  const budgets = [
    { bucket: `${what}-code:user:${guesser.userId}`, limit: CODE_GUESS_LIMIT.perUser },
    { bucket: `${what}-code:ip:${guesser.ip}`, limit: CODE_GUESS_LIMIT.perIp },
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
    throw new RoomError(`Too many wrong ${what} codes. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again, or ask for the ${what === "room" ? "link" : "code again"}.`, "rate_limited");
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
      if (await wasRemoved(tx, room.id, userId)) throw removedError();
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
