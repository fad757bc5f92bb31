import type { Prisma, TicketStatus } from "@prisma/client";
import { CSV_BOM, csvRow, type CsvValue } from "~/lib/csv";
import { isoDay } from "~/lib/time";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import type { ParticipantEditInput, ParticipantFilter, ParticipantStatusFilter } from "~/validation/participants";
import { PAGE_SIZE } from "~/validation/participants";
import { diff, recordAudit } from "./audit.server";
import { lockRaceBibs } from "./bibs.server";

export class ParticipantNotFoundError extends Error {
  constructor() {
    super("This participant is not registered for this race.");
    this.name = "ParticipantNotFoundError";
  }
}

export class BibTakenError extends Error {
  constructor(
    readonly bib: number,
    readonly holder: string,
  ) {
    super(`Bib ${bib} is already taken by ${holder}. Choose another number, or first change ${holder}'s bib.`);
    this.name = "BibTakenError";
  }
}

const statusWhere: Record<ParticipantStatusFilter, Prisma.ParticipantWhereInput> = {
  issued: { ticket: { status: "ISSUED" } },
  held: { ticket: { status: "HELD" } },
  refunded: { ticket: { status: "REFUNDED" } },
  cancelled: { ticket: { status: "CANCELLED" } },
  checked_in: { checkedInAt: { not: null } },
  not_checked_in: { checkedInAt: null, ticket: { status: "ISSUED" } },
};

/** Search matches every word against names and email; a number (or "#12") also matches the bib. */
export function participantWhere(raceId: string, filter: ParticipantFilter): Prisma.ParticipantWhereInput {
  const and: Prisma.ParticipantWhereInput[] = [{ raceId }];
  if (filter.ticketTypeId) and.push({ ticket: { ticketTypeId: filter.ticketTypeId } });
  if (filter.status) and.push(statusWhere[filter.status]);
  if (filter.q) {
    const words = filter.q.split(/\s+/).filter(Boolean).slice(0, 5);
    const text: Prisma.ParticipantWhereInput = {
      AND: words.map((word) => ({
        OR: [
          { firstName: { contains: word, mode: "insensitive" } },
          { lastName: { contains: word, mode: "insensitive" } },
          { email: { contains: word, mode: "insensitive" } },
        ],
      })),
    };
    const bib = /^#?(\d{1,9})$/.exec(filter.q)?.[1];
    and.push(bib ? { OR: [text, { ticket: { bib: Number(bib) } }] } : text);
  }
  return { AND: and };
}

/** One page of a race's participants, by last name. */
export async function listParticipants(raceId: string, filter: ParticipantFilter, page: number, pageSize = PAGE_SIZE) {
  const where = participantWhere(raceId, filter);
  const [total, items] = await Promise.all([
    db.participant.count({ where }),
    db.participant.findMany({
      where,
      orderBy: [{ lastName: "asc" }, { firstName: "asc" }, { id: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        id: true,
        firstName: true,
        lastName: true,
        email: true,
        teamName: true,
        checkedInAt: true,
        ticket: { select: { bib: true, status: true, ticketType: { select: { name: true } } } },
      },
    }),
  ]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items };
}

export function raceTicketTypes(raceId: string) {
  return db.ticketType.findMany({ where: { raceId }, orderBy: [{ sortOrder: "asc" }, { name: "asc" }], select: { id: true, name: true } });
}

type Answers = Record<string, string | boolean | string[] | null | undefined>;

function answerText(value: Answers[string]) {
  if (value === true) return "Yes";
  if (value === false) return "No";
  if (Array.isArray(value)) return value.join(", ");
  return value ?? "";
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

/** Everything an organiser needs about one participant, or null when they are not in this race. */
export async function participantDetail(raceId: string, participantId: string) {
  const participant = await db.participant.findFirst({
    where: { id: participantId, raceId },
    select: {
      id: true,
      ...participantDetailsSelect,
      teamName: true,
      answers: true,
      checkedInAt: true,
      checkedInById: true,
      createdAt: true,
      ticket: {
        select: {
          id: true,
          bib: true,
          status: true,
          priceMinor: true,
          ticketType: { select: { name: true } },
          order: { select: { id: true, buyerName: true, buyerEmail: true, paidAt: true } },
        },
      },
      waiverSignature: {
        select: {
          signedName: true,
          guardianName: true,
          signedAt: true,
          ip: true,
          contentHash: true,
          waiverVersion: { select: { version: true, title: true, contentHash: true } },
        },
      },
    },
  });
  if (!participant) return null;
  const [questions, checkedInBy] = await Promise.all([
    db.raceQuestion.findMany({ where: { raceId }, orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }], select: { id: true, label: true } }),
    participant.checkedInById ? db.user.findUnique({ where: { id: participant.checkedInById }, select: { name: true } }) : null,
  ]);
  const answers = (participant.answers ?? {}) as Answers;
  const { answers: _raw, checkedInById: _by, ...fields } = participant;
  return {
    ...fields,
    checkedInByName: checkedInBy?.name ?? null,
    answers: questions.filter((q) => q.id in answers).map((q) => ({ questionId: q.id, label: q.label, answer: answerText(answers[q.id]) })),
  };
}

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

const ticketStatusLabel: Record<TicketStatus, string> = {
  HELD: "checkout in progress",
  ISSUED: "issued",
  REFUNDED: "refunded",
  CANCELLED: "cancelled",
};

const CSV_COLUMNS = [
  "Participant ID",
  "First name",
  "Last name",
  "Email",
  "Bib",
  "Ticket type",
  "Ticket status",
  "Checked in at (UTC)",
  "Team",
  "Club",
  "Date of birth",
  "Gender",
  "Emergency contact",
  "Emergency phone",
  "T-shirt size",
];

export const CSV_BATCH_SIZE = 1000;

type CsvOptions = {
  batchSize?: number;
  /** Resolves when the consumer can take more; the next batch is read only then (backpressure). */
  whenWritable?: () => Promise<void>;
  /** The download was abandoned: stop reading. */
  signal?: AbortSignal;
};

/**
 * The race's participants matching the filter as CSV, read in keyset-paginated batches and
 * written one batch at a time, so memory stays flat however many rows there are.
 * The race's custom questions follow the standard columns, labelled as the organiser wrote them.
 */
export function participantsCsv(raceId: string, filter: ParticipantFilter, { batchSize = CSV_BATCH_SIZE, whenWritable, signal }: CsvOptions = {}) {
  const where = participantWhere(raceId, filter);
  const encoder = new TextEncoder();
  let questions: { id: string; label: string }[] | undefined;
  let cursor: string | undefined;
  let cancelled = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!questions) {
          questions = await db.raceQuestion.findMany({
            where: { raceId, archivedAt: null },
            orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
            select: { id: true, label: true },
          });
          controller.enqueue(encoder.encode(CSV_BOM + csvRow([...CSV_COLUMNS, ...questions.map((q) => q.label)])));
          return;
        }
        await whenWritable?.();
        if (cancelled) return;
        if (signal?.aborted) return controller.close();
        const rows = await db.participant.findMany({
          where: cursor ? { AND: [where, { id: { gt: cursor } }] } : where,
          orderBy: { id: "asc" },
          take: batchSize,
          select: {
            id: true,
            ...participantDetailsSelect,
            teamName: true,
            answers: true,
            checkedInAt: true,
            ticket: { select: { bib: true, status: true, ticketType: { select: { name: true } } } },
          },
        });
        let chunk = "";
        for (const row of rows) {
          const answers = (row.answers ?? {}) as Answers;
          const values: CsvValue[] = [
            row.id,
            row.firstName,
            row.lastName,
            row.email,
            row.ticket.bib,
            row.ticket.ticketType.name,
            ticketStatusLabel[row.ticket.status],
            row.checkedInAt,
            row.teamName,
            row.club,
            isoDay(row.dateOfBirth),
            row.gender,
            row.emergencyName,
            row.emergencyPhone,
            row.tshirtSize,
            ...questions.map((q) => answerText(answers[q.id])),
          ];
          chunk += csvRow(values);
        }
        if (chunk) controller.enqueue(encoder.encode(chunk));
        if (rows.length < batchSize) controller.close();
        else cursor = rows[rows.length - 1]!.id;
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 1 },
  );
}
