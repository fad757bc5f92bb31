import { orderConfirmedEmail, ticketQrCid } from "~/emails/order-confirmed";
import { sql } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import type { EmailAttachment } from "./email.server";
import { ticketQrPng } from "./tickets.server";

type ConfirmationRow = {
  id: string;
  currency: string;
  totalMinor: number;
  buyerName: string;
  race: { name: string; startsAt: string; timeZone: string; location: string };
  tickets: { id: string; bib: number | null; qrToken: string; typeName: string; firstName: string | null; lastName: string | null }[];
};

/**
 * The confirmation of a paid order as it stands: its issued tickets with their bibs, each with its QR code attached
 * and shown inline. Built when the email is sent, not in fulfilment's transaction (ADR 0060), from one read.
 */
export async function orderConfirmation(orderId: string) {
  const [order] = await sql<ConfirmationRow>(
    `SELECT o.id, o.currency, o."totalMinor", o."buyerName",
       json_build_object('name', r.name, 'startsAt', r."startsAt", 'timeZone', r."timeZone", 'location', r.location) AS race,
       coalesce((SELECT json_agg(json_build_object('id', t.id, 'bib', t.bib, 'qrToken', t."qrToken", 'typeName', tt.name, 'firstName', p."firstName", 'lastName', p."lastName")
           ORDER BY t."createdAt", t.id)
         FROM "Ticket" t JOIN "TicketType" tt ON tt.id = t."ticketTypeId" LEFT JOIN "Participant" p ON p."ticketId" = t.id
         WHERE t."orderId" = o.id AND t.status = 'ISSUED'), '[]'::json) AS tickets
     FROM "Order" o JOIN "Race" r ON r.id = o."raceId" WHERE o.id = $1`,
    [orderId],
    undefined,
    "order-confirmation",
  );
  if (!order) throw new Error(`order ${orderId} does not exist`);
  const tickets = order.tickets.map((t) => ({
    id: t.id,
    bib: t.bib,
    typeName: t.typeName,
    participant: t.firstName !== null ? `${t.firstName} ${t.lastName}` : "Participant",
  }));
  const attachments: EmailAttachment[] = await Promise.all(
    order.tickets.map(async (ticket) => ({
      filename: `ticket-${ticket.bib ?? ticket.id}.png`,
      contentType: "image/png",
      cid: ticketQrCid(ticket.id),
      base64: (await ticketQrPng(ticket.qrToken)).toString("base64"),
    })),
  );
  const race = { ...order.race, startsAt: new Date(`${order.race.startsAt}Z`) };
  return { ...orderConfirmedEmail({ origin: getEnv().appOrigin, order: { ...order, race }, tickets }), attachments };
}
