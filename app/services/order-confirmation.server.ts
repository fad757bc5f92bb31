import { orderConfirmedEmail, ticketQrCid } from "~/emails/order-confirmed";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import type { EmailAttachment } from "./email.server";
import { ticketQrPng } from "./tickets.server";

/**
 * The confirmation of a paid order as it stands: its issued tickets with their bibs, each with its QR code attached
 * and shown inline. Built when the email is sent, not in fulfilment's transaction (ADR 0060): rendering the PNGs is
 * the costliest part of a payment, and nothing else waits for it.
 */
export async function orderConfirmation(orderId: string) {
  const order = await db.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      id: true,
      currency: true,
      totalMinor: true,
      buyerName: true,
      race: { select: { name: true, startsAt: true, timeZone: true, location: true } },
      tickets: {
        where: { status: "ISSUED" },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { id: true, bib: true, qrToken: true, ticketType: { select: { name: true } }, participant: { select: { firstName: true, lastName: true } } },
      },
    },
  });
  const tickets = order.tickets.map((t) => ({
    id: t.id,
    bib: t.bib,
    typeName: t.ticketType.name,
    participant: t.participant ? `${t.participant.firstName} ${t.participant.lastName}` : "Participant",
  }));
  const attachments: EmailAttachment[] = await Promise.all(
    order.tickets.map(async (ticket) => ({
      filename: `ticket-${ticket.bib ?? ticket.id}.png`,
      contentType: "image/png",
      cid: ticketQrCid(ticket.id),
      base64: (await ticketQrPng(ticket.qrToken)).toString("base64"),
    })),
  );
  return { ...orderConfirmedEmail({ origin: getEnv().appOrigin, order, tickets }), attachments };
}
