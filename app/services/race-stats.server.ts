import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db } from "~/utils/db.server";
import { clearSoldOutMarks } from "./sold-out-marks.server";
import { fillDays } from "~/lib/sales-days";

export type TicketTypeStats = { id: string; name: string; capacity: number; sold: number; held: number; remaining: number };

export type RaceStats = {
  raceId: string;
  currency: string;
  timeZone: string;
  generatedAt: string;
  ticketTypes: TicketTypeStats[];
  totals: { capacity: number; sold: number; held: number; remaining: number; participants: number; checkedIn: number };
  /** Paid orders' totals minus what was refunded, in the race currency's minor units. */
  revenueMinor: number;
  paidOrders: number;
  /** Tickets (still valid) sold per calendar day in the race's time zone, oldest first, days without sales included. */
  salesByDay: { day: string; tickets: number }[];
};

/** How many days of sales the chart shows at most. */
export const SALES_DAYS_SHOWN = 90;

/** An organiser's live numbers for one race, read from Postgres. */
export async function raceStats(raceId: string): Promise<RaceStats> {
  const race = await db.race.findUniqueOrThrow({ where: { id: raceId }, select: { id: true, currency: true, timeZone: true } });
  const [ticketTypes, revenue, participants, checkedIn, days] = await Promise.all([
    db.ticketType.findMany({
      where: { raceId, OR: [{ archivedAt: null }, { soldCount: { gt: 0 } }, { heldCount: { gt: 0 } }] },
      orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
      select: { id: true, name: true, capacity: true, soldCount: true, heldCount: true },
    }),
    db.order.aggregate({
      where: { raceId, status: { in: ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"] } },
      _sum: { totalMinor: true, refundedMinor: true },
      _count: { _all: true },
    }),
    db.participant.count({ where: { raceId } }),
    db.participant.count({ where: { raceId, checkedInAt: { not: null } } }),
    db.$queryRaw<{ day: string; tickets: number }[]>`
      SELECT to_char((o."paidAt" AT TIME ZONE 'UTC') AT TIME ZONE ${race.timeZone}, 'YYYY-MM-DD') AS day, count(*)::int AS tickets
      FROM "Ticket" t JOIN "Order" o ON o.id = t."orderId"
      WHERE t."raceId" = ${raceId} AND t.status = 'ISSUED' AND o."paidAt" IS NOT NULL
      GROUP BY day ORDER BY day`,
  ]);
  const types = ticketTypes.map(({ id, name, capacity, soldCount, heldCount }) => ({
    id,
    name,
    capacity,
    sold: soldCount,
    held: heldCount,
    remaining: Math.max(0, capacity - soldCount - heldCount),
  }));
  const sum = (key: "capacity" | "sold" | "held" | "remaining") => types.reduce((total, type) => total + type[key], 0);
  return {
    raceId: race.id,
    currency: race.currency,
    timeZone: race.timeZone,
    generatedAt: new Date().toISOString(),
    ticketTypes: types,
    totals: { capacity: sum("capacity"), sold: sum("sold"), held: sum("held"), remaining: sum("remaining"), participants, checkedIn },
    revenueMinor: (revenue._sum.totalMinor ?? 0) - (revenue._sum.refundedMinor ?? 0),
    paidOrders: revenue._count._all,
    salesByDay: fillDays(days, SALES_DAYS_SHOWN),
  };
}

/** Tells every open dashboard of the race that sales changed; checkout calls it after committing a sale or refund. */
export async function announceSale(raceId: string) {
  await clearSoldOutMarks(raceId);
  await publish(channels.raceActivity(raceId), { type: "sales", at: new Date().toISOString() });
}
