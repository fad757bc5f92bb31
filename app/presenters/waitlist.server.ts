import type { WaitlistStatus } from "@prisma/client";
import { db } from "~/utils/db.server";
import { paginate } from "./paginate.server";

export type MyWaitlistEntry = { status: WaitlistStatus; ahead: number; offerExpiresAt: string | null; orderId: string | null };

/** The buyer's own waiting-list entries of a race, by ticket type, with how many wait ahead of each. */
export async function myWaitlist(raceId: string, userId: string | null): Promise<Record<string, MyWaitlistEntry>> {
  if (!userId) return {};
  const entries = await db.waitlistEntry.findMany({
    where: { raceId, userId },
    select: { ticketTypeId: true, status: true, joinedAt: true, offerExpiresAt: true, orderId: true },
  });
  const views = await Promise.all(
    entries.map(async (entry) => {
      const ahead = entry.status === "WAITING" ? await db.waitlistEntry.count({ where: { ticketTypeId: entry.ticketTypeId, status: "WAITING", joinedAt: { lt: entry.joinedAt } } }) : 0;
      const offered = entry.status === "OFFERED" || entry.status === "CLAIMED";
      return [entry.ticketTypeId, { status: entry.status, ahead, offerExpiresAt: offered ? (entry.offerExpiresAt?.toISOString() ?? null) : null, orderId: offered ? entry.orderId : null }] as const;
    }),
  );
  return Object.fromEntries(views);
}

const PAGE_SIZE = 25;

/** The organiser's waiting lists: one per ticket type with people on it, counts by status and one page of people. */
export async function waitlistConsole(raceId: string, page: number) {
  const [race, types, counts] = await Promise.all([
    db.race.findUniqueOrThrow({ where: { id: raceId }, select: { waitlistClaimMinutes: true } }),
    db.ticketType.findMany({ where: { raceId }, orderBy: { sortOrder: "asc" }, select: { id: true, name: true, capacity: true, soldCount: true, heldCount: true, archivedAt: true } }),
    db.waitlistEntry.groupBy({ by: ["ticketTypeId", "status"], where: { raceId }, _count: { _all: true } }),
  ]);
  const lists = await Promise.all(
    types
      .filter((type) => !type.archivedAt || counts.some((row) => row.ticketTypeId === type.id))
      .map(async (type) => {
        const count = (status: WaitlistStatus) => counts.find((row) => row.ticketTypeId === type.id && row.status === status)?._count._all ?? 0;
        const where = { ticketTypeId: type.id, status: { in: ["WAITING", "OFFERED", "CLAIMED"] as WaitlistStatus[] } };
        const people = await paginate({ page, pageSize: PAGE_SIZE }, {
          count: () => db.waitlistEntry.count({ where }),
          rows: (window) =>
            db.waitlistEntry.findMany({
              where,
              orderBy: [{ joinedAt: "asc" }, { id: "asc" }],
              ...window,
              select: { id: true, status: true, joinedAt: true, offerExpiresAt: true, offeredById: true, user: { select: { name: true, email: true } } },
            }),
        });
        return {
          id: type.id,
          name: type.name,
          remaining: Math.max(0, type.capacity - type.soldCount - type.heldCount),
          counts: { waiting: count("WAITING"), offered: count("OFFERED") + count("CLAIMED"), purchased: count("PURCHASED"), expired: count("EXPIRED"), left: count("LEFT") },
          people: {
            ...people,
            items: people.items.map((row) => ({ ...row, joinedAt: row.joinedAt.toISOString(), offerExpiresAt: row.offerExpiresAt?.toISOString() ?? null, byHand: row.offeredById !== null })),
          },
        };
      }),
  );
  return { claimHours: race.waitlistClaimMinutes / 60, lists };
}

export type WaitlistConsoleView = Awaited<ReturnType<typeof waitlistConsole>>;
