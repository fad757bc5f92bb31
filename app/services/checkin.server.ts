import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { ageOnRaceDay } from "~/lib/age";
import { db } from "~/utils/db.server";
import { createLogger } from "~/utils/logger.server";
import { recordAudit } from "./audit.server";
import type { CheckinParticipant, CheckinResult } from "~/lib/checkin-view";

export type { CheckinParticipant, CheckinResult };

const log = createLogger({ service: "checkin" });

const participantSelect = {
  id: true,
  firstName: true,
  lastName: true,
  dateOfBirth: true,
  checkedInAt: true,
  checkedInById: true,
  ticket: { select: { bib: true, status: true, ticketType: { select: { name: true } } } },
  waiverSignature: { select: { guardianName: true } },
  race: { select: { startsAt: true, timeZone: true, guardianUnderAge: true } },
} as const;

async function toView(participantId: string, raceId: string): Promise<CheckinParticipant | null> {
  const row = await db.participant.findFirst({ where: { id: participantId, raceId }, select: participantSelect });
  if (!row) return null;
  const checkedInBy = row.checkedInById ? await db.user.findUnique({ where: { id: row.checkedInById }, select: { name: true } }) : null;
  const age = row.dateOfBirth ? ageOnRaceDay(row.dateOfBirth, row.race.startsAt, row.race.timeZone) : null;
  return {
    participantId: row.id,
    name: `${row.firstName} ${row.lastName}`,
    bib: row.ticket.bib,
    ticketTypeName: row.ticket.ticketType.name,
    ticketStatus: row.ticket.status,
    checkedInAt: row.checkedInAt,
    checkedInByName: row.checkedInAt ? (checkedInBy?.name ?? "a former team member") : null,
    waiverSigned: row.waiverSignature !== null,
    guardianName: row.waiverSignature?.guardianName ?? null,
    minor: age === null ? null : age < row.race.guardianUnderAge,
    age,
  };
}

/**
 * What the check-in desk scanned or typed: a ticket's QR token (or a link ending in it), or a bib.
 * Null when nothing in this race matches.
 */
export async function findForCheckin(raceId: string, code: string) {
  const trimmed = code.trim();
  const lastSegment = trimmed.split(/[/?#=]/).filter(Boolean).pop();
  const tokens = [...new Set([trimmed, lastSegment ?? trimmed])];
  const bib = /^#?(\d{1,9})$/.exec(trimmed)?.[1];
  const ticket = await db.ticket.findFirst({
    where: { raceId, OR: [{ qrToken: { in: tokens } }, ...(bib ? [{ bib: Number(bib) }] : [])] },
    select: { participant: { select: { id: true } } },
  });
  return ticket?.participant ? toView(ticket.participant.id, raceId) : null;
}

/** "N of M checked in": M counts participants whose ticket is issued. */
export async function checkinCounts(raceId: string) {
  const issued = { raceId, ticket: { status: "ISSUED" as const } };
  const [checkedIn, total] = await Promise.all([
    db.participant.count({ where: { ...issued, checkedInAt: { not: null } } }),
    db.participant.count({ where: issued }),
  ]);
  return { checkedIn, total };
}

type CheckInArgs = { organisationId: string; raceId: string; participantId: string; actorId: string };

/**
 * Checks a participant in exactly once: one conditional UPDATE succeeds only while the participant
 * is not checked in and the ticket is issued, so two desks scanning at once cannot both succeed.
 * Returns null when the participant is not in this race.
 */
export async function checkIn({ organisationId, raceId, participantId, actorId }: CheckInArgs): Promise<CheckinResult | null> {
  const checkedIn = await db.$transaction(async (tx) => {
    const updated = await tx.$executeRaw`
      UPDATE "Participant" p
      SET "checkedInAt" = now(), "checkedInById" = ${actorId}, "updatedAt" = now()
      FROM "Ticket" t
      WHERE p."id" = ${participantId} AND p."raceId" = ${raceId} AND p."checkedInAt" IS NULL
        AND t."id" = p."ticketId" AND t."status" = 'ISSUED'`;
    if (updated !== 1) return false;
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "participant.checked_in",
      entityType: "participant",
      entityId: participantId,
      changes: { checkedIn: { from: false, to: true } },
    });
    return true;
  });

  const participant = await toView(participantId, raceId);
  if (!participant) return null;
  if (!checkedIn) return { outcome: participant.ticketStatus === "ISSUED" ? "already_checked_in" : "not_issued", participant };

  const { checkedIn: checkedInCount } = await checkinCounts(raceId);
  try {
    await publish(channels.raceActivity(raceId), { type: "checkin", at: new Date().toISOString(), participantId, checkedInCount });
  } catch (error) {
    // The check-in is committed; live pages catch up on their next snapshot.
    log.warn("check-in not published", { raceId, participantId, error });
  }
  return { outcome: "checked_in", participant, checkedInCount };
}
