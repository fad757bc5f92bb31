import { escapeHtml } from "~/lib/html";
import { formatMoney } from "~/lib/money";
import { formatInZone } from "~/lib/time";
import { link, type EmailContent } from "./email";

export type ConfirmedTicket = { id: string; bib: number | null; participant: string; typeName: string };

type ConfirmedOrder = { id: string; currency: string; totalMinor: number; buyerName: string; race: { name: string; startsAt: Date; timeZone: string; location: string } };

/** The content id under which a ticket's QR code image is attached, so the HTML can show it inline. */
export function ticketQrCid(ticketId: string) {
  return `ticket-${ticketId}@startline`;
}

/** The buyer's confirmation: what was paid and every ticket, each with its QR code (attached as `ticketQrCid`). */
export function orderConfirmedEmail({ origin, order, tickets }: { origin: string; order: ConfirmedOrder; tickets: ConfirmedTicket[] }): EmailContent {
  const when = formatInZone(order.race.startsAt, order.race.timeZone);
  const total = formatMoney(order.totalMinor, order.currency);
  const orderUrl = `${origin}/orders/${order.id}`;
  const lines = tickets.map((t) => `- ${t.participant}: ${t.typeName}${t.bib ? `, bib ${t.bib}` : ""} — ${origin}/tickets/${t.id}`);
  const rows = tickets
    .map(
      (t) =>
        `<tr><td style="padding:8px"><strong>${escapeHtml(t.participant)}</strong><br>${escapeHtml(t.typeName)}${t.bib ? ` · bib ${t.bib}` : ""}</td>` +
        `<td style="padding:8px"><img src="cid:${escapeHtml(ticketQrCid(t.id))}" width="160" height="160" alt="QR code for ${escapeHtml(t.participant)}"></td></tr>`,
    )
    .join("");
  return {
    kind: "order_confirmed",
    subject: `You're registered: ${order.race.name}`,
    text: `Hi ${order.buyerName},\n\nYour registration for ${order.race.name} (${when}, ${order.race.location}) is confirmed. Total paid: ${total}.\n\nTickets (show the QR code at check-in):\n${lines.join("\n")}\n\nOrder: ${orderUrl}`,
    html: `<p>Hi ${escapeHtml(order.buyerName)},</p><p>Your registration for <strong>${escapeHtml(order.race.name)}</strong> (${escapeHtml(when)}, ${escapeHtml(order.race.location)}) is confirmed. Total paid: ${escapeHtml(total)}.</p><p>Show a ticket's QR code at check-in:</p><table>${rows}</table><p>${link(orderUrl, "View your order")}</p>`,
  };
}
