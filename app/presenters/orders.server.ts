import { NotFoundError } from "~/lib/errors";
import { db } from "~/utils/db.server";

/** An order's status, amounts and hold: what the order and checkout pages both show. */
export const orderSummarySelect = {
  id: true,
  status: true,
  currency: true,
  subtotalMinor: true,
  discountMinor: true,
  taxMinor: true,
  totalMinor: true,
  holdExpiresAt: true,
} as const;

/** A buyer's own order with its tickets; another user's order is reported as missing. */
export async function buyerOrder(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({
    where: { id: orderId, buyerId },
    select: {
      ...orderSummarySelect,
      feeMinor: true,
      refundedMinor: true,
      createdAt: true,
      race: { select: { id: true, name: true, slug: true, startsAt: true, timeZone: true, location: true } },
      tickets: {
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          status: true,
          priceMinor: true,
          bib: true,
          ticketType: { select: { name: true } },
          participant: { select: { firstName: true, lastName: true } },
        },
      },
    },
  });
  if (!order) throw new NotFoundError();
  return order;
}

export type BuyerOrder = Awaited<ReturnType<typeof buyerOrder>>;
