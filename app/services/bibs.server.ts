import type { Prisma } from "@prisma/client";

/** Key space of this app's advisory locks, so bib locks never collide with another feature's. */
const BIB_LOCK_SPACE = 7301;

export class BibRangeFullError extends Error {
  constructor(
    readonly ticketTypeName: string,
    readonly rangeStart: number,
    readonly rangeEnd: number,
  ) {
    super(
      `Every bib number from ${rangeStart} to ${rangeEnd} of the ticket type "${ticketTypeName}" is taken. ` +
        "Widen its bib range in the ticket type's settings, or free a number by editing a participant's bib.",
    );
    this.name = "BibRangeFullError";
  }
}

/**
 * Serialises bib changes of one race until the transaction ends. Every writer of `Ticket.bib`
 * takes it, so "find the next free number, then write it" cannot race; the unique index on
 * (raceId, bib) stays as the last guard.
 */
export async function lockRaceBibs(tx: Prisma.TransactionClient, raceId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BIB_LOCK_SPACE}::int, hashtext(${raceId}))`;
}

/**
 * Gives a ticket the lowest free bib in its ticket type's range, or, when the type has no range,
 * the next number above every bib and every bib range of the race (so it never takes a number a
 * ranged type will need). Idempotent: a ticket that has a bib keeps it. Call inside a transaction.
 */
export async function assignBib(tx: Prisma.TransactionClient, ticketId: string): Promise<number> {
  const ticket = await tx.ticket.findUniqueOrThrow({
    where: { id: ticketId },
    select: { raceId: true, bib: true, ticketType: { select: { name: true, bibRangeStart: true, bibRangeEnd: true } } },
  });
  if (ticket.bib !== null) return ticket.bib;
  await lockRaceBibs(tx, ticket.raceId);

  const current = await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { bib: true } });
  if (current.bib !== null) return current.bib;

  const { bibRangeStart: start, bibRangeEnd: end, name } = ticket.ticketType;
  const bib = start !== null && end !== null ? await lowestFreeInRange(tx, ticket.raceId, start, end) : await nextAboveEverything(tx, ticket.raceId);
  if (bib === null) throw new BibRangeFullError(name, start!, end!);

  await tx.ticket.update({ where: { id: ticketId }, data: { bib } });
  return bib;
}

/** The range start if free, else the smallest taken number + 1 that is free and within the range. */
async function lowestFreeInRange(tx: Prisma.TransactionClient, raceId: string, start: number, end: number) {
  const rows = await tx.$queryRaw<{ candidate: number }[]>`
    SELECT candidate FROM (
      SELECT ${start}::int AS candidate
      UNION ALL
      SELECT t."bib" + 1 FROM "Ticket" t WHERE t."raceId" = ${raceId} AND t."bib" >= ${start}::int AND t."bib" < ${end}::int
    ) c
    WHERE c.candidate <= ${end}::int
      AND NOT EXISTS (SELECT 1 FROM "Ticket" u WHERE u."raceId" = ${raceId} AND u."bib" = c.candidate)
    ORDER BY candidate
    LIMIT 1`;
  return rows[0]?.candidate ?? null;
}

async function nextAboveEverything(tx: Prisma.TransactionClient, raceId: string) {
  const highestBib = await tx.ticket.aggregate({ where: { raceId }, _max: { bib: true } });
  const highestRange = await tx.ticketType.aggregate({ where: { raceId }, _max: { bibRangeEnd: true } });
  return Math.max(highestBib._max.bib ?? 0, highestRange._max.bibRangeEnd ?? 0) + 1;
}
