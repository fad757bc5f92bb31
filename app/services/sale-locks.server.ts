import { Prisma, type RaceStatus } from "@prisma/client";
import type { Db } from "~/utils/db.server";

type LockedTicketType = {
  id: string;
  raceId: string;
  name: string;
  capacity: number;
  soldCount: number;
  heldCount: number;
  priceMinor: number;
  maxPerOrder: number;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  archivedAt: Date | null;
};

/**
 * Row-locks ticket types (in id order, so concurrent checkouts never deadlock) for the rest of
 * the transaction: capacity decisions made under this lock cannot oversell.
 */
export async function lockTicketTypes(tx: Db, ids: string[]) {
  if (ids.length === 0) return new Map<string, LockedTicketType>();
  const rows = await tx.$queryRaw<LockedTicketType[]>`
    SELECT id, "raceId", name, capacity, "soldCount", "heldCount", "priceMinor", "maxPerOrder", "salesStartAt", "salesEndAt", "archivedAt"
    FROM "TicketType" WHERE id IN (${Prisma.join([...new Set(ids)].sort())}) ORDER BY id FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Locks the race row against a change of status for the rest of the transaction (FOR SHARE: holds and payments
 * of the same race do not wait for each other) and returns what decides whether it is on sale. Cancelling updates
 * this row, so a hold or payment decided under this lock either sees the race cancelled, or commits before the
 * cancellation can and the cancellation then sees it (ADR 0023). Lock order: race, ticket types, orders.
 */
export async function lockRaceForSale(tx: Db, raceId: string) {
  const [race] = await tx.$queryRaw<{ status: RaceStatus; registrationClosesAt: Date | null; startsAt: Date }[]>`
    SELECT status, "registrationClosesAt", "startsAt" FROM "Race" WHERE id = ${raceId} FOR SHARE`;
  return race ?? null;
}
