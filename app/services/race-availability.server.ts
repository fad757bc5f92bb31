import { db } from "~/utils/db.server";
import { priceInForce, tierInForce } from "~/lib/pricing";

export type TicketAvailability = {
  id: string;
  name: string;
  description: string;
  minAge: number | null;
  maxPerOrder: number;
  remaining: number;
  onSale: boolean;
  salesStartAt: Date | null;
  priceMinor: number;
  /** The base price while an early-bird (or other) tier is in force and differs from it, so buyers see the saving. */
  regularPriceMinor: number | null;
  tierLabel: string | null;
  tierEndsAt: Date | null;
};

/** What a buyer can pick for a race right now: price in force, places left, sales window state. */
export async function ticketAvailability(raceId: string, now = new Date()): Promise<TicketAvailability[]> {
  const types = await db.ticketType.findMany({
    where: { raceId, archivedAt: null },
    orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
    select: {
      id: true,
      name: true,
      description: true,
      priceMinor: true,
      capacity: true,
      soldCount: true,
      heldCount: true,
      salesStartAt: true,
      salesEndAt: true,
      minAge: true,
      maxPerOrder: true,
      priceTiers: { select: { label: true, priceMinor: true, endsAt: true } },
    },
  });
  return types.map((type) => {
    const tier = tierInForce(type.priceTiers, now);
    return {
      id: type.id,
      name: type.name,
      description: type.description,
      minAge: type.minAge,
      maxPerOrder: type.maxPerOrder,
      remaining: Math.max(0, type.capacity - type.soldCount - type.heldCount),
      onSale: (!type.salesStartAt || type.salesStartAt <= now) && (!type.salesEndAt || type.salesEndAt > now),
      salesStartAt: type.salesStartAt,
      priceMinor: priceInForce(type.priceMinor, type.priceTiers, now),
      regularPriceMinor: tier && tier.priceMinor !== type.priceMinor ? type.priceMinor : null,
      tierLabel: tier?.label ?? null,
      tierEndsAt: tier?.endsAt ?? null,
    };
  });
}
