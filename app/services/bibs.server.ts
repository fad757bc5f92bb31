import type { Prisma } from "@prisma/client";
import { assignBibStatement, BIB_LOCK_SPACE, type BibPlanRow } from "./fulfilment-statements.server";

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
 * A bib an edit takes away from a ticket is free again: the floors of the race's ranges (ADR 0110) go down to it, so
 * fulfilment can give the number again. Call under `lockRaceBibs`, in the transaction that frees it.
 */
export async function freeBib(tx: Prisma.TransactionClient, raceId: string, bib: number) {
  await tx.$executeRaw`UPDATE "BibFloor" SET next = ${bib}::int WHERE "raceId" = ${raceId} AND "rangeStart" <= ${bib}::int AND next > ${bib}::int`;
}

/**
 * Gives a ticket the lowest free bib in its ticket type's range, or, when the type has no range,
 * the next number above every bib and every bib range of the race (so it never takes a number a
 * ranged type will need): the plan fulfilment uses for a whole order (`assignBibStatement`, ADR 0060).
 * Idempotent: a ticket that has a bib keeps it. Call inside a transaction.
 */
export async function assignBib(tx: Prisma.TransactionClient, ticketId: string): Promise<number> {
  const ticket = await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { raceId: true, bib: true } });
  if (ticket.bib !== null) return ticket.bib;
  await lockRaceBibs(tx, ticket.raceId);
  const statement = assignBibStatement(ticketId);
  const [plan] = await tx.$queryRawUnsafe<BibPlanRow[]>(statement.text, ...statement.values);
  if (!plan) return (await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { bib: true } })).bib!;
  if (plan.bib === null) throw new BibRangeFullError(plan.name, plan.lo!, plan.hi!);
  return plan.bib;
}
