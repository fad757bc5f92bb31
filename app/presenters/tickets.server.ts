import { NotFoundError } from "~/lib/errors";
import { db } from "~/utils/db.server";
import { paginate } from "./paginate.server";

const ticketView = {
  id: true,
  bib: true,
  status: true,
  qrToken: true,
  ticketType: { select: { name: true } },
  participant: { select: { firstName: true, lastName: true } },
  race: { select: { name: true, slug: true, startsAt: true, timeZone: true, location: true } },
} as const;

/** The signed-in buyer's issued tickets, soonest race first, paginated. */
export function ticketsOfBuyer(buyerId: string, page: number, pageSize = 20) {
  const where = { order: { buyerId }, status: { in: ["ISSUED" as const, "REFUNDED" as const] } };
  return paginate({ page, pageSize }, {
    count: () => db.ticket.count({ where }),
    rows: (window) => db.ticket.findMany({ where, orderBy: [{ race: { startsAt: "asc" } }, { createdAt: "asc" }], ...window, select: ticketView }),
  });
}

/** One ticket of the buyer's (404 for anyone else's). */
export async function buyerTicket(ticketId: string, buyerId: string) {
  const ticket = await db.ticket.findFirst({ where: { id: ticketId, order: { buyerId }, status: { in: ["ISSUED", "REFUNDED"] } }, select: ticketView });
  if (!ticket) throw new NotFoundError();
  return ticket;
}
