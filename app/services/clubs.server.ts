import type { Prisma } from "@prisma/client";
import { db, isUniqueViolation, sql } from "~/utils/db.server";
import { DomainError, NotFoundError } from "~/lib/errors";
import { isClubAdmin, mayRemove, type ClubRole } from "~/lib/club-rules";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import type { CreateClubInput } from "~/validation/clubs";
import { notify } from "./notifications.server";
import { findByCode, newRoomCode, type CodeGuesser } from "./rooms.server";

/** A rule of clubs the user ran into, shown with the form they used. */
export class ClubError extends DomainError {
  constructor(message: string, kind: "invalid" | "forbidden" | "not_found" | "conflict" | "rate_limited" = "conflict") {
    super(kind, message, { field: "form" });
    this.name = "ClubError";
  }
}

/** The one answer for a club someone may not see: a private club does not exist for anyone outside it. */
export const clubNotFound = () => new NotFoundError("This club does not exist.");

/** Tells every open page of the club to read it again. */
export async function announceClubChange(clubId: string) {
  await publish(channels.club(clubId), { type: "club.changed", at: new Date().toISOString() });
}

type ClubAccess = { id: string; name: string; visibility: "PUBLIC" | "PRIVATE"; ownerId: string; timeZone: string; role: ClubRole | null; muted: boolean };

/**
 * The club as this user may reach it: a private club is not found by anyone outside it (the same 404 whether or
 * not it exists); a public one is found by everyone, with `role` null for non-members.
 */
export async function clubAccess(clubId: string, userId: string, tx: Prisma.TransactionClient | typeof db = db): Promise<ClubAccess> {
  const club = await tx.club.findUnique({
    where: { id: clubId },
    select: { id: true, name: true, visibility: true, ownerId: true, timeZone: true, members: { where: { userId }, select: { role: true, muted: true } } },
  });
  const membership = club?.members[0];
  if (!club || (club.visibility === "PRIVATE" && !membership)) throw clubNotFound();
  return { id: club.id, name: club.name, visibility: club.visibility, ownerId: club.ownerId, timeZone: club.timeZone, role: membership?.role ?? null, muted: membership?.muted ?? false };
}

/** A member's access: non-members of a public club are told to join (403), of a private one get the 404. */
export async function requireClubMember(clubId: string, userId: string, tx: Prisma.TransactionClient | typeof db = db) {
  const club = await clubAccess(clubId, userId, tx);
  if (!club.role) throw new ClubError("Join the club first.", "forbidden");
  return club as ClubAccess & { role: ClubRole };
}

export async function requireClubAdmin(clubId: string, userId: string, tx: Prisma.TransactionClient | typeof db = db) {
  const club = await requireClubMember(clubId, userId, tx);
  if (!isClubAdmin(club.role)) throw new ClubError("Only the club's owner and admins can do that.", "forbidden");
  return club;
}

/** Locks the club's row, so membership changes (owner hand-over, removals) happen one at a time. */
async function lockClub(tx: Prisma.TransactionClient, clubId: string) {
  await tx.$queryRaw`SELECT id FROM "Club" WHERE id = ${clubId} FOR UPDATE`;
}

/** A new club with its owner as first member. */
export async function createClub({ ownerId, input }: { ownerId: string; input: CreateClubInput }) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const club = await db.$transaction(async (tx) => {
        const created = await tx.club.create({
          data: { ownerId, code: newRoomCode(), name: input.name, description: input.description, visibility: input.visibility, timeZone: input.timeZone },
          select: { id: true, code: true },
        });
        await tx.clubMember.create({ data: { clubId: created.id, userId: ownerId, role: "OWNER" } });
        return created;
      });
      return club;
    } catch (error) {
      // Only the code can collide: draw another.
      if (!isUniqueViolation(error) || attempt >= 5) throw error;
    }
  }
}

async function addMember(clubId: string, userId: string) {
  try {
    await db.clubMember.create({ data: { clubId, userId } });
    await announceClubChange(clubId);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Joins by a code typed in (any club; wrong codes count against the guesser's budget, as for rooms), by the join
 * link (public clubs only: a private club is joined with its code, never a link) or from a public club's page.
 * Joining a club one is in changes nothing.
 */
export async function joinClub({ userId, ...target }: { userId: string } & ({ code: string; ip: string; via: "code" | "link" } | { clubId: string })) {
  if ("clubId" in target) {
    const club = await clubAccess(target.clubId, userId);
    if (club.role) return { id: club.id, joined: false };
    return { id: club.id, joined: await addMember(club.id, userId) };
  }
  const club = await findByCode(target.code, { userId, ip: target.ip }, (code) => db.club.findUnique({ where: { code }, select: { id: true, visibility: true } }), false, "club");
  if (!club || (target.via === "link" && club.visibility === "PRIVATE")) throw new ClubError("No club has this code. Check it with the person who shared it.", "not_found");
  return { id: club.id, joined: await addMember(club.id, userId) };
}

/** The club for its join link: public clubs only (a private club's link does not exist). */
export async function clubByLink(code: string, guesser: CodeGuesser, counted: boolean) {
  const club = await findByCode(
    code,
    guesser,
    (normalised) =>
      db.club.findUnique({
        where: { code: normalised },
        select: { id: true, name: true, description: true, visibility: true, _count: { select: { members: true } }, members: { where: { userId: guesser.userId }, select: { id: true } } },
      }),
    counted,
    "club",
  );
  if (!club || club.visibility === "PRIVATE") return null;
  return { id: club.id, name: club.name, description: club.description, memberCount: club._count.members, isMember: club.members.length > 0 };
}

/** Leaves the club; the owner hands it over first. */
export async function leaveClub({ clubId, userId }: { clubId: string; userId: string }) {
  await db.$transaction(async (tx) => {
    await lockClub(tx, clubId);
    const club = await requireClubMember(clubId, userId, tx);
    if (club.role === "OWNER") throw new ClubError("You own this club: make another member the owner before you leave.", "conflict");
    await tx.clubMember.delete({ where: { clubId_userId: { clubId, userId } } });
  });
  await announceClubChange(clubId);
}

async function targetMember(tx: Prisma.TransactionClient, clubId: string, userId: string) {
  const member = await tx.clubMember.findUnique({ where: { clubId_userId: { clubId, userId } }, select: { id: true, role: true } });
  if (!member) throw new ClubError("That person is not in this club.", "conflict");
  return member;
}

/** The owner removes anyone but themselves; an admin removes plain members. */
export async function removeClubMember({ clubId, actorId, userId }: { clubId: string; actorId: string; userId: string }) {
  const club = await db.$transaction(async (tx) => {
    await lockClub(tx, clubId);
    const club = await requireClubAdmin(clubId, actorId, tx);
    if (userId === actorId) throw new ClubError("Leave the club instead of removing yourself.", "conflict");
    const member = await targetMember(tx, clubId, userId);
    if (!mayRemove(club.role, member.role)) throw new ClubError(member.role === "OWNER" ? "Nobody can remove the club's owner." : "Only the owner can remove an admin.", "forbidden");
    await tx.clubMember.delete({ where: { id: member.id } });
    return club;
  });
  await announceClubChange(clubId);
  await publish(channels.access(userId), { type: "club.membership.changed", clubId });
  await notify({ userId, kind: "club.removed", title: `You left ${club.name}`, body: `An admin removed you from ${club.name}.`, dedupeKey: `club.removed:${clubId}:${userId}:${Date.now()}` });
}

/** The owner makes a member an admin, or an admin a member again. */
export async function setClubRole({ clubId, actorId, userId, role }: { clubId: string; actorId: string; userId: string; role: "ADMIN" | "MEMBER" }) {
  await db.$transaction(async (tx) => {
    await lockClub(tx, clubId);
    const club = await requireClubMember(clubId, actorId, tx);
    if (club.role !== "OWNER") throw new ClubError("Only the club's owner can change roles.", "forbidden");
    const member = await targetMember(tx, clubId, userId);
    if (member.role === "OWNER") throw new ClubError("Hand the club over to change your own role.", "conflict");
    await tx.clubMember.update({ where: { id: member.id }, data: { role } });
  });
  await announceClubChange(clubId);
}

/** The owner hands the club to another member and stays on as an admin. */
export async function transferClub({ clubId, actorId, toUserId }: { clubId: string; actorId: string; toUserId: string }) {
  const club = await db.$transaction(async (tx) => {
    await lockClub(tx, clubId);
    const club = await requireClubMember(clubId, actorId, tx);
    if (club.role !== "OWNER") throw new ClubError("Only the club's owner can hand it over.", "forbidden");
    if (toUserId === actorId) throw new ClubError("You already own this club.", "conflict");
    const member = await targetMember(tx, clubId, toUserId);
    // The old owner first: one owner row per club is enforced by a unique index.
    await tx.clubMember.update({ where: { clubId_userId: { clubId, userId: actorId } }, data: { role: "ADMIN" } });
    await tx.clubMember.update({ where: { id: member.id }, data: { role: "OWNER" } });
    await tx.club.update({ where: { id: clubId }, data: { ownerId: toUserId } });
    return club;
  });
  await announceClubChange(clubId);
  await notify({ userId: toUserId, kind: "club.owner", title: `You own ${club.name} now`, body: `${club.name} was handed over to you.`, href: `/clubs/${clubId}`, dedupeKey: `club.owner:${clubId}:${toUserId}:${Date.now()}` });
}

/** Turns the member's club notifications off or on. */
export async function muteClub({ clubId, userId, muted }: { clubId: string; userId: string; muted: boolean }) {
  await requireClubMember(clubId, userId);
  await db.clubMember.update({ where: { clubId_userId: { clubId, userId } }, data: { muted } });
  await announceClubChange(clubId);
}

/**
 * Notifies every member in the list who has not muted the club; each notification's dedupe key is `key:userId`,
 * so a job or request that runs twice notifies once.
 */
export async function notifyClubMembers(
  clubId: string,
  userIds: string[],
  message: { kind: string; title: string; body: string; href: string; dedupeKey: string },
) {
  if (userIds.length === 0) return 0;
  const listening = await db.clubMember.findMany({ where: { clubId, userId: { in: userIds }, muted: false }, select: { userId: true } });
  for (const { userId } of listening) await notify({ ...message, userId, dedupeKey: `${message.dedupeKey}:${userId}` });
  return listening.length;
}

/** The unread count of one club per member: one query, then one message per member to their own feed. */
export async function publishClubUnread(clubId: string, onlyUserId?: string) {
  const rows = await sql<{ userId: string; name: string; unread: string }>(
    `SELECT m."userId", c.name, count(msg.id)::text AS unread
       FROM "ClubMember" m
       JOIN "Club" c ON c.id = m."clubId"
       LEFT JOIN "ClubMessage" msg ON msg."clubId" = m."clubId" AND msg."createdAt" > m."lastReadAt" AND msg."deletedAt" IS NULL AND msg."userId" <> m."userId"
      WHERE m."clubId" = $1 AND ($2::text IS NULL OR m."userId" = $2)
      GROUP BY m."userId", c.name`,
    [clubId, onlyUserId ?? null],
  );
  await Promise.all(rows.map((row) => publish(channels.user(row.userId), { type: "club.unread", club: { clubId, name: row.name, unread: Number(row.unread) } })));
}

/** The member has seen the chat up to now (their page is open): their unread count for the club is zero. */
export async function markClubRead(clubId: string, userId: string) {
  const { count } = await db.clubMember.updateMany({ where: { clubId, userId }, data: { lastReadAt: new Date() } });
  if (count > 0) await publishClubUnread(clubId, userId);
}
