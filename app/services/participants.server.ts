import type { Prisma } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import type { ParticipantEditInput } from "~/validation/participants";
import { diff, recordAudit } from "./audit.server";
import { freeBib, lockRaceBibs } from "./bibs.server";
import { DomainError } from "~/lib/errors";

export class ParticipantNotFoundError extends DomainError {
  constructor() {
    super("not_found", "This participant is not registered for this race.");
    this.name = "ParticipantNotFoundError";
  }
}

export class BibTakenError extends DomainError {
  constructor(
    readonly bib: number,
    readonly holder: string,
  ) {
    super("invalid", `Bib ${bib} is already taken by ${holder}. Choose another number, or first change ${holder}'s bib.`, { field: "bib" });
    this.name = "BibTakenError";
  }
}

/** The participant's own details: what the participant form asks and organisers edit. */
export const participantDetailsSelect = {
  firstName: true,
  lastName: true,
  email: true,
  dateOfBirth: true,
  gender: true,
  emergencyName: true,
  emergencyPhone: true,
  club: true,
  tshirtSize: true,
} as const;

type UpdateParticipantArgs = {
  organisationId: string;
  raceId: string;
  participantId: string;
  actorId: string;
  input: ParticipantEditInput;
};

async function bibHolder(tx: Db, raceId: string, bib: number, exceptTicketId?: string) {
  const holder = await tx.ticket.findFirst({
    where: { raceId, bib, ...(exceptTicketId ? { id: { not: exceptTicketId } } : {}) },
    select: { participant: { select: { firstName: true, lastName: true } }, ticketType: { select: { name: true } } },
  });
  if (!holder) return null;
  const who = holder.participant ? `${holder.participant.firstName} ${holder.participant.lastName}` : "a ticket without a participant";
  return `${who} (${holder.ticketType.name})`;
}

/**
 * Saves an organiser's edit of a participant and its bib, with an audit entry of what changed,
 * in one transaction. A bib another ticket of the race holds is refused with who holds it.
 */
export async function updateParticipant({ organisationId, raceId, participantId, actorId, input }: UpdateParticipantArgs) {
  const { bib, ...fields } = input;
  try {
    return await db.$transaction(async (tx) => {
      // Two organisers saving at once: the second waits, so its audit diff starts from the first's result.
      await tx.$executeRaw`SELECT 1 FROM "Participant" WHERE "id" = ${participantId} AND "raceId" = ${raceId} FOR UPDATE`;
      const before = await tx.participant.findFirst({
        where: { id: participantId, raceId },
        select: {
          ...participantDetailsSelect,
          teamName: true,
          ticket: { select: { id: true, bib: true } },
        },
      });
      if (!before) throw new ParticipantNotFoundError();
      const { ticket, ...beforeFields } = before;

      if (bib !== ticket.bib) {
        await lockRaceBibs(tx, raceId);
        if (bib !== null) {
          const holder = await bibHolder(tx, raceId, bib, ticket.id);
          if (holder) throw new BibTakenError(bib, holder);
        }
        await tx.ticket.update({ where: { id: ticket.id }, data: { bib } });
        if (ticket.bib !== null) await freeBib(tx, raceId, ticket.bib);
      }
      await tx.participant.update({ where: { id: participantId }, data: fields });

      const changes = diff({ ...beforeFields, bib: ticket.bib }, { ...fields, bib });
      if (Object.keys(changes).length > 0) {
        await recordAudit(tx, {
          organisationId,
          raceId,
          actorId,
          action: "participant.updated",
          entityType: "participant",
          entityId: participantId,
          changes: changes as Prisma.InputJsonValue,
        });
      }
      return { changes };
    });
  } catch (error) {
    // The advisory lock makes this rare: only a writer that skipped the lock can get here.
    if (bib !== null && isUniqueViolation(error)) {
      throw new BibTakenError(bib, (await bibHolder(db, raceId, bib)) ?? "another participant");
    }
    throw error;
  }
}
