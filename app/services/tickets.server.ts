import QRCode from "qrcode";
import { NotFoundError } from "~/lib/errors";
import { db } from "~/utils/db.server";

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
export async function ticketsOfBuyer(buyerId: string, page: number, pageSize = 20) {
  const where = { order: { buyerId }, status: { in: ["ISSUED" as const, "REFUNDED" as const] } };
  const [total, items] = await Promise.all([
    db.ticket.count({ where }),
    db.ticket.findMany({ where, orderBy: [{ race: { startsAt: "asc" } }, { createdAt: "asc" }], skip: (page - 1) * pageSize, take: pageSize, select: ticketView }),
  ]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items };
}

/** One ticket of the buyer's (404 for anyone else's). */
export async function buyerTicket(ticketId: string, buyerId: string) {
  const ticket = await db.ticket.findFirst({ where: { id: ticketId, order: { buyerId }, status: { in: ["ISSUED", "REFUNDED"] } }, select: ticketView });
  if (!ticket) throw new NotFoundError();
  return ticket;
}

/** The QR code scanned at check-in: it encodes only the ticket's random token. */
export function ticketQrSvg(qrToken: string) {
  return QRCode.toString(qrToken, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
}

export function ticketQrPng(qrToken: string) {
  return QRCode.toBuffer(qrToken, { type: "png", margin: 2, width: 320, errorCorrectionLevel: "M" });
}
