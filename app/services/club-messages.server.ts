import { db } from "~/utils/db.server";
import { isClubAdmin, isClubReaction } from "~/lib/club-rules";
import { CLUB_MESSAGE_MAX } from "~/validation/clubs";
import { announceClubChange, ClubError, notifyClubMembers, publishClubUnread, requireClubMember } from "./clubs.server";
import { check, hit } from "./rate-limit.server";

/** Messages one member may post per window, across every club and process. */
export const CLUB_MESSAGE_LIMIT = { count: 10, windowSeconds: 30 };

/** A member's chat message, optionally a reply to a visible message of the same club; its author is notified. */
export async function postClubMessage({ clubId, userId, body, replyToId }: { clubId: string; userId: string; body: string; replyToId?: string | null }) {
  const text = body.trim();
  if (text.length === 0 || text.length > CLUB_MESSAGE_MAX) throw new ClubError(`A message has 1 to ${CLUB_MESSAGE_MAX} characters.`, "invalid");
  const club = await requireClubMember(clubId, userId);
  const parent = replyToId
    ? await db.clubMessage.findFirst({ where: { id: replyToId, clubId, deletedAt: null }, select: { id: true, userId: true } })
    : null;
  if (replyToId && !parent) throw new ClubError("The message you replied to is gone.", "invalid");
  const bucket = `club-message:${userId}`;
  // Count first (INCR is atomic), so parallel posts cannot slip past the limit together.
  if ((await hit(bucket, CLUB_MESSAGE_LIMIT.windowSeconds)) > CLUB_MESSAGE_LIMIT.count) {
    const { retryAfterSeconds } = await check(bucket, CLUB_MESSAGE_LIMIT.count);
    throw new ClubError(`You are sending messages too fast. Wait ${retryAfterSeconds} seconds and try again.`, "rate_limited");
  }
  const message = await db.clubMessage.create({ data: { clubId, userId, body: text, replyToId: parent?.id ?? null }, select: { id: true, user: { select: { name: true } } } });
  await announceClubChange(clubId);
  await publishClubUnread(clubId);
  if (parent && parent.userId !== userId) {
    await notifyClubMembers(clubId, [parent.userId], {
      kind: "club.reply",
      title: `${message.user.name} replied in ${club.name}`,
      body: text.length > 140 ? `${text.slice(0, 139)}…` : text,
      href: `/clubs/${clubId}#message-${message.id}`,
      dedupeKey: `club.reply:${message.id}`,
    });
  }
  return message;
}

/** Adds the member's reaction, or takes it back if it was there (one of each per person per message). */
export async function toggleReaction({ clubId, userId, messageId, emoji }: { clubId: string; userId: string; messageId: string; emoji: string }) {
  if (!isClubReaction(emoji)) throw new ClubError("Choose one of the club's reactions.", "invalid");
  await requireClubMember(clubId, userId);
  const message = await db.clubMessage.findFirst({ where: { id: messageId, clubId, deletedAt: null }, select: { id: true } });
  if (!message) throw new ClubError("That message is gone.", "not_found");
  const key = { messageId_userId_emoji: { messageId, userId, emoji } };
  // Deleting first makes the toggle one statement either way; the primary key keeps a double click to one row.
  const removed = await db.clubReaction.deleteMany({ where: { messageId, userId, emoji } });
  if (removed.count === 0) await db.clubReaction.upsert({ where: key, create: { messageId, userId, emoji }, update: {} });
  await announceClubChange(clubId);
  return { reacted: removed.count === 0 };
}

/** The author or an admin hides a message from everyone; it is kept (soft delete), its replies stay. */
export async function deleteClubMessage({ clubId, actorId, messageId }: { clubId: string; actorId: string; messageId: string }) {
  const club = await requireClubMember(clubId, actorId);
  const message = await db.clubMessage.findFirst({ where: { id: messageId, clubId, deletedAt: null }, select: { userId: true } });
  if (!message) throw new ClubError("That message is gone.", "not_found");
  if (message.userId !== actorId && !isClubAdmin(club.role)) throw new ClubError("Only the author or an admin can delete a message.", "forbidden");
  const { count } = await db.clubMessage.updateMany({ where: { id: messageId, deletedAt: null }, data: { deletedAt: new Date() } });
  if (count > 0) {
    await announceClubChange(clubId);
    await publishClubUnread(clubId);
  }
}
