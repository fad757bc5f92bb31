import { db } from "~/utils/db.server";
import { REMINDER_LEAD_MS, type ClubAnswer } from "~/lib/club-rules";
import { formatInZone, zonedLocalToUtc } from "~/lib/time";
import type { ClubEventInput } from "~/validation/clubs";
import { RuleViolationError } from "~/lib/errors";
import { announceClubChange, ClubError, notifyClubMembers, requireClubAdmin, requireClubMember } from "./clubs.server";

/** An admin's training run or social, in the club's time zone; every other member is told. */
export async function createClubEvent({ clubId, actorId, input, now = new Date() }: { clubId: string; actorId: string; input: ClubEventInput; now?: Date }) {
  const club = await requireClubAdmin(clubId, actorId);
  const startsAt = zonedLocalToUtc(input.startsAt, club.timeZone);
  if (!startsAt) throw new RuleViolationError("startsAt", "Choose when it starts.");
  if (startsAt.getTime() <= now.getTime()) throw new RuleViolationError("startsAt", "Choose a time that has not passed yet.");
  const event = await db.clubEvent.create({
    data: { clubId, createdById: actorId, title: input.title, startsAt, place: input.place, description: input.description, capacity: input.capacity },
    select: { id: true },
  });
  await announceClubChange(clubId);
  const others = await db.clubMember.findMany({ where: { clubId, userId: { not: actorId } }, select: { userId: true } });
  await notifyClubMembers(
    clubId,
    others.map((m) => m.userId),
    {
      kind: "club.event",
      title: `New in ${club.name}: ${input.title}`,
      body: `${formatInZone(startsAt, club.timeZone)} at ${input.place}. Are you coming?`,
      href: `/clubs/${clubId}#event-${event.id}`,
      dedupeKey: `club.event:${event.id}`,
    },
  );
  return event;
}

/**
 * A member's answer (going / maybe / not going), changed as often as they like. "Going" to a full event is refused:
 * the event's row is locked while places are counted, so two members cannot take its last place together.
 */
export async function answerClubEvent({ clubId, userId, eventId, answer, now = new Date() }: { clubId: string; userId: string; eventId: string; answer: ClubAnswer; now?: Date }) {
  await db.$transaction(async (tx) => {
    await requireClubMember(clubId, userId, tx);
    const [event] = await tx.$queryRaw<{ capacity: number | null; startsAt: Date }[]>`SELECT capacity, "startsAt" FROM "ClubEvent" WHERE id = ${eventId} AND "clubId" = ${clubId} FOR UPDATE`;
    if (!event) throw new ClubError("This event does not exist.", "not_found");
    if (event.startsAt.getTime() <= now.getTime()) throw new ClubError("This event has started; answers are closed.", "conflict");
    if (answer === "GOING" && event.capacity !== null) {
      const going = await tx.clubEventAnswer.count({ where: { eventId, answer: "GOING", userId: { not: userId } } });
      if (going >= event.capacity) throw new ClubError(`This event is full (${event.capacity} going). Answer maybe to stay in touch.`, "conflict");
    }
    await tx.clubEventAnswer.upsert({ where: { eventId_userId: { eventId, userId } }, create: { eventId, userId, answer }, update: { answer } });
  });
  await announceClubChange(clubId);
}

/**
 * The day-before reminders (the `clubs.remind-events` job): every event starting within REMINDER_LEAD_MS that has
 * not been reminded notifies the members going. Notification dedupe keys make a rerun (or two workers) harmless;
 * `remindedAt` keeps later scans from reading the event again.
 */
export async function remindUpcomingEvents(now = new Date()) {
  const due = await db.clubEvent.findMany({
    where: { remindedAt: null, startsAt: { gt: now, lte: new Date(now.getTime() + REMINDER_LEAD_MS) } },
    orderBy: { startsAt: "asc" },
    take: 100,
    select: { id: true, clubId: true, title: true, startsAt: true, place: true, club: { select: { name: true, timeZone: true } }, answers: { where: { answer: "GOING" }, select: { userId: true } } },
  });
  let notified = 0;
  for (const event of due) {
    notified += await notifyClubMembers(
      event.clubId,
      event.answers.map((a) => a.userId),
      {
        kind: "club.reminder",
        title: `Tomorrow: ${event.title}`,
        body: `${event.club.name}: ${formatInZone(event.startsAt, event.club.timeZone)} at ${event.place}.`,
        href: `/clubs/${event.clubId}#event-${event.id}`,
        dedupeKey: `club.reminder:${event.id}`,
      },
    );
    await db.clubEvent.update({ where: { id: event.id }, data: { remindedAt: now } });
  }
  return { events: due.length, notified };
}
