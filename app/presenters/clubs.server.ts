import type { ClubUnread } from "~/realtime/channels";
import { db, sql } from "~/utils/db.server";
import { CLUB_REACTIONS, isClubAdmin, type ClubAnswer, type ClubRole } from "~/lib/club-rules";
import { clubAccess } from "~/services/clubs.server";
import { onlineMembers } from "~/services/club-presence.server";
import { paginate } from "./paginate.server";

const CLUBS_PAGE_SIZE = 10;
export const CLUB_MESSAGES_PAGE_SIZE = 30;

/** Unread messages per club the user is in (not their own, not deleted), by club name. */
export async function clubsUnread(userId: string): Promise<ClubUnread[]> {
  const rows = await sql<{ clubId: string; name: string; unread: string }>(
    `SELECT c.id AS "clubId", c.name, count(msg.id)::text AS unread
       FROM "ClubMember" m
       JOIN "Club" c ON c.id = m."clubId"
       LEFT JOIN "ClubMessage" msg ON msg."clubId" = m."clubId" AND msg."createdAt" > m."lastReadAt" AND msg."deletedAt" IS NULL AND msg."userId" <> m."userId"
      WHERE m."userId" = $1
      GROUP BY c.id, c.name
      ORDER BY c.name`,
    [userId],
  );
  return rows.map((row) => ({ clubId: row.clubId, name: row.name, unread: Number(row.unread) }));
}

/** Public clubs, newest first, with their member counts. */
export async function publicClubs(page: number) {
  const where = { visibility: "PUBLIC" as const };
  const { items, pageCount, total } = await paginate({ page, pageSize: CLUBS_PAGE_SIZE }, {
    count: () => db.club.count({ where }),
    rows: (window) =>
      db.club.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], ...window, select: { id: true, name: true, description: true, _count: { select: { members: true } } } }),
  });
  return { page, pageCount, total, clubs: items.map(({ _count, ...club }) => ({ ...club, memberCount: _count.members })) };
}

/** Published races that have not started, soonest first: what an admin can open a room for. */
export function racesToEnter(now = new Date()) {
  return db.race.findMany({ where: { status: "PUBLISHED", startsAt: { gt: now } }, orderBy: { startsAt: "asc" }, take: 50, select: { id: true, name: true } });
}

/** Visible chat messages, newest first, with their reactions and the message each replies to. */
export async function clubMessagesPage(clubId: string, viewerId: string, cursor?: string | null) {
  const rows = await db.clubMessage.findMany({
    where: { clubId, deletedAt: null },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: CLUB_MESSAGES_PAGE_SIZE + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    select: {
      id: true,
      body: true,
      createdAt: true,
      userId: true,
      user: { select: { name: true } },
      replyTo: { select: { id: true, body: true, deletedAt: true, user: { select: { name: true } } } },
      reactions: { select: { emoji: true, userId: true } },
    },
  });
  const page = rows.slice(0, CLUB_MESSAGES_PAGE_SIZE);
  return {
    messages: page.map((m) => ({
      id: m.id,
      body: m.body,
      userId: m.userId,
      authorName: m.user.name,
      createdAt: m.createdAt.toISOString(),
      replyTo: m.replyTo ? { id: m.replyTo.id, authorName: m.replyTo.user.name, body: m.replyTo.deletedAt ? null : m.replyTo.body.slice(0, 140) } : null,
      reactions: CLUB_REACTIONS.map((emoji) => {
        const by = m.reactions.filter((r) => r.emoji === emoji);
        return { emoji, count: by.length, mine: by.some((r) => r.userId === viewerId) };
      }).filter((r) => r.count > 0),
    })),
    nextCursor: rows.length > CLUB_MESSAGES_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null,
  };
}
export type ClubMessagesPage = Awaited<ReturnType<typeof clubMessagesPage>>;

/** Upcoming events (and those of the last day), soonest first, with counts, who answered what and the viewer's answer. */
async function upcomingEvents(clubId: string, viewerId: string, now = new Date()) {
  const events = await db.clubEvent.findMany({
    where: { clubId, startsAt: { gt: new Date(now.getTime() - 24 * 60 * 60 * 1000) } },
    orderBy: { startsAt: "asc" },
    take: 20,
    select: {
      id: true,
      title: true,
      startsAt: true,
      place: true,
      description: true,
      capacity: true,
      answers: { orderBy: { updatedAt: "asc" }, select: { userId: true, answer: true, user: { select: { name: true } } } },
    },
  });
  return events.map(({ answers, startsAt, ...event }) => {
    const count = (answer: ClubAnswer) => answers.filter((a) => a.answer === answer).length;
    return {
      ...event,
      startsAt: startsAt.toISOString(),
      started: startsAt.getTime() <= now.getTime(),
      counts: { GOING: count("GOING"), MAYBE: count("MAYBE"), NOT_GOING: count("NOT_GOING") },
      attendees: answers.map((a) => ({ userId: a.userId, name: a.user.name, answer: a.answer as ClubAnswer })),
      myAnswer: (answers.find((a) => a.userId === viewerId)?.answer ?? null) as ClubAnswer | null,
    };
  });
}

/**
 * The club as its page shows it to this viewer. A private club is not found by anyone outside it; a public club
 * shows non-members its name, description and member count and a way to join — chat, events, members and who is
 * online are for members.
 */
export async function clubView(clubId: string, viewerId: string) {
  const access = await clubAccess(clubId, viewerId);
  const club = await db.club.findUniqueOrThrow({
    where: { id: clubId },
    select: { id: true, name: true, description: true, visibility: true, timeZone: true, code: true, _count: { select: { members: true } } },
  });
  const basics = { id: club.id, name: club.name, description: club.description, visibility: club.visibility, timeZone: club.timeZone, memberCount: club._count.members };
  if (!access.role) return { ...basics, viewer: { id: viewerId, role: null, muted: false }, members: null };
  const [members, online, messages, events, rooms] = await Promise.all([
    db.clubMember.findMany({ where: { clubId }, orderBy: [{ joinedAt: "asc" }, { id: "asc" }], select: { userId: true, role: true, user: { select: { name: true } } } }),
    onlineMembers(clubId),
    clubMessagesPage(clubId, viewerId),
    upcomingEvents(clubId, viewerId),
    db.room.findMany({
      where: { clubId, status: "OPEN" },
      orderBy: { createdAt: "desc" },
      take: 10,
      select: { id: true, name: true, code: true, race: { select: { name: true, slug: true } }, members: { where: { userId: viewerId, leftAt: null }, select: { id: true } } },
    }),
  ]);
  const roleOrder: Record<ClubRole, number> = { OWNER: 0, ADMIN: 1, MEMBER: 2 };
  return {
    ...basics,
    /** Members see the code to invite people; a public club also has a join link. */
    code: club.code,
    viewer: { id: viewerId, role: access.role, muted: access.muted, isAdmin: isClubAdmin(access.role) },
    members: members
      .map((m) => ({ userId: m.userId, name: m.user.name, role: m.role, online: online.has(m.userId) }))
      .sort((a, b) => Number(b.online) - Number(a.online) || roleOrder[a.role] - roleOrder[b.role] || a.name.localeCompare(b.name)),
    onlineCount: members.filter((m) => online.has(m.userId)).length,
    messages: messages.messages,
    olderMessagesCursor: messages.nextCursor,
    events,
    rooms: rooms.map(({ members: mine, ...room }) => ({ ...room, joined: mine.length > 0 })),
  };
}
export type ClubView = Awaited<ReturnType<typeof clubView>>;
export type ClubMemberView = Extract<ClubView, { members: unknown[] }>;
/** What a club's live feed sends: the club, or that this viewer may no longer see it. */
export type ClubLive = ClubView | { id: string; gone: true };

/** One event as a calendar file, for members only. */
export async function clubEventForCalendar(clubId: string, eventId: string, viewerId: string) {
  const access = await clubAccess(clubId, viewerId);
  if (!access.role) return null;
  return db.clubEvent.findFirst({
    where: { id: eventId, clubId },
    select: { id: true, title: true, startsAt: true, place: true, description: true, createdAt: true, club: { select: { name: true } } },
  });
}
