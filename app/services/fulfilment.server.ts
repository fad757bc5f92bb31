import { db } from "~/utils/db.server";
import { escapeHtml } from "~/utils/html";
import { getEnv } from "~/utils/env.server";
import { formatMoney } from "~/utils/money";
import { formatInZone } from "~/utils/time";
import { assignBib } from "./bibs.server";
import { redeemDiscount } from "./discounts.server";
import { refundPayment } from "./refunds.server";
import { recordEmail, sendQueued, type EmailAttachment } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { lockTicketTypes } from "./reservations.server";
import { announceRoomsChange } from "./room-status.server";
import { ticketQrPng } from "./tickets.server";

/** What a payment provider (or a free order) tells us about a completed payment. */
export type PaymentConfirmation = {
  orderId: string;
  stripeSessionId?: string | null;
  paymentIntentId?: string | null;
  /** What Stripe charged, tax included; omitted for free orders. */
  amountTotalMinor?: number | null;
  /** Tax computed by Stripe Tax. */
  amountTaxMinor?: number | null;
};

export type FulfilmentOutcome = "fulfilled" | "already_paid" | "late_no_places" | "not_found";

type ConfirmedTicket = { id: string; bib: number | null; qrToken: string; priceMinor: number; typeName: string; participant: string };


async function confirmationEmail(order: { id: string; currency: string; totalMinor: number; buyerName: string; race: { name: string; startsAt: Date; timeZone: string; location: string } }, tickets: ConfirmedTicket[]) {
  const origin = getEnv().appOrigin;
  const when = formatInZone(order.race.startsAt, order.race.timeZone);
  const attachments: EmailAttachment[] = await Promise.all(
    tickets.map(async (ticket) => ({
      filename: `ticket-${ticket.bib ?? ticket.id}.png`,
      contentType: "image/png",
      cid: `ticket-${ticket.id}@startline`,
      base64: (await ticketQrPng(ticket.qrToken)).toString("base64"),
    })),
  );
  const lines = tickets.map((t) => `- ${t.participant}: ${t.typeName}${t.bib ? `, bib ${t.bib}` : ""} — ${origin}/tickets/${t.id}`);
  const rows = tickets
    .map(
      (t) =>
        `<tr><td style="padding:8px"><strong>${escapeHtml(t.participant)}</strong><br>${escapeHtml(t.typeName)}${t.bib ? ` · bib ${t.bib}` : ""}</td>` +
        `<td style="padding:8px"><img src="cid:ticket-${t.id}@startline" width="160" height="160" alt="QR code for ${escapeHtml(t.participant)}"></td></tr>`,
    )
    .join("");
  return {
    kind: "order_confirmed",
    subject: `You're registered: ${order.race.name}`,
    text: `Hi ${order.buyerName},\n\nYour registration for ${order.race.name} (${when}, ${order.race.location}) is confirmed. Total paid: ${formatMoney(order.totalMinor, order.currency)}.\n\nTickets (show the QR code at check-in):\n${lines.join("\n")}\n\nOrder: ${origin}/orders/${order.id}`,
    html: `<p>Hi ${escapeHtml(order.buyerName)},</p><p>Your registration for <strong>${escapeHtml(order.race.name)}</strong> (${escapeHtml(when)}, ${escapeHtml(order.race.location)}) is confirmed. Total paid: ${formatMoney(order.totalMinor, order.currency)}.</p><p>Show a ticket's QR code at check-in:</p><table>${rows}</table><p><a href="${origin}/orders/${order.id}">View your order</a></p>`,
    attachments,
  };
}

/**
 * Marks a paid order PAID and issues its tickets (bib numbers, QR tokens already set), moving held places to
 * sold, counting the discount once, and recording the confirmation email — in one transaction that locks the
 * order row, so running it twice (duplicate or out-of-order webhooks) changes nothing the second time.
 * A payment for an order whose hold already expired re-acquires its places if they are still free;
 * otherwise it reports `late_no_places` and changes nothing, for the caller to refund.
 */
export async function fulfilOrder(payment: PaymentConfirmation): Promise<FulfilmentOutcome> {
  const result = await db.$transaction(
    async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Order" WHERE id = ${payment.orderId} FOR UPDATE`;
      if (!locked) return { outcome: "not_found" as const };
      const order = await tx.order.findUniqueOrThrow({
        where: { id: payment.orderId },
        select: {
          id: true,
          status: true,
          raceId: true,
          buyerId: true,
          buyerEmail: true,
          buyerName: true,
          currency: true,
          totalMinor: true,
          taxMinor: true,
          discountCodeId: true,
          race: { select: { name: true, startsAt: true, timeZone: true, location: true } },
          tickets: { orderBy: { createdAt: "asc" }, select: { id: true, ticketTypeId: true, status: true, roomId: true, room: { select: { name: true, teamName: true } } } },
        },
      });
      if (order.status !== "PENDING" && order.status !== "EXPIRED" && order.status !== "CANCELLED") return { outcome: "already_paid" as const };

      const late = order.status !== "PENDING";
      const issuing = order.tickets.filter((t) => t.status === (late ? "CANCELLED" : "HELD"));
      const perType = new Map<string, number>();
      for (const t of issuing) perType.set(t.ticketTypeId, (perType.get(t.ticketTypeId) ?? 0) + 1);
      const types = await lockTicketTypes(tx, [...perType.keys()]);
      for (const [ticketTypeId, count] of perType) {
        const type = types.get(ticketTypeId)!;
        if (late && type.capacity - type.soldCount - type.heldCount < count) return { outcome: "late_no_places" as const };
        await tx.ticketType.update({
          where: { id: ticketTypeId },
          data: late ? { soldCount: { increment: count } } : { soldCount: { increment: count }, heldCount: { decrement: count } },
        });
      }
      for (const ticket of issuing) {
        await tx.ticket.update({ where: { id: ticket.id }, data: { status: "ISSUED" } });
        await assignBib(tx, ticket.id);
        // Registered together through a room: the team is the room's team name, or its name.
        if (ticket.room) await tx.participant.updateMany({ where: { ticketId: ticket.id }, data: { teamName: ticket.room.teamName ?? ticket.room.name } });
      }
      if (order.discountCodeId) {
        await redeemDiscount(tx, { codeId: order.discountCodeId, orderId: order.id, email: order.buyerEmail, userId: order.buyerId });
      }
      const totalMinor = payment.amountTotalMinor ?? order.totalMinor;
      const taxMinor = payment.amountTaxMinor ?? order.taxMinor;
      await tx.order.update({
        where: { id: order.id },
        data: {
          status: "PAID",
          paidAt: new Date(),
          holdExpiresAt: null,
          totalMinor,
          taxMinor,
          ...(payment.stripeSessionId ? { stripeSessionId: payment.stripeSessionId } : {}),
          ...(payment.paymentIntentId ? { stripePaymentIntentId: payment.paymentIntentId } : {}),
        },
      });
      const issued = await tx.ticket.findMany({
        where: { id: { in: issuing.map((t) => t.id) } },
        orderBy: { createdAt: "asc" },
        select: { id: true, bib: true, qrToken: true, priceMinor: true, ticketType: { select: { name: true } }, participant: { select: { firstName: true, lastName: true } } },
      });
      const confirmed = issued.map((t) => ({
        id: t.id,
        bib: t.bib,
        qrToken: t.qrToken,
        priceMinor: t.priceMinor,
        typeName: t.ticketType.name,
        participant: t.participant ? `${t.participant.firstName} ${t.participant.lastName}` : "Participant",
      }));
      const email = await recordEmail({ userId: order.buyerId ?? undefined, to: order.buyerEmail, ...(await confirmationEmail({ ...order, totalMinor }, confirmed)) }, tx);
      return { outcome: "fulfilled" as const, emailId: email.id, order };
    },
    { timeout: 30_000, maxWait: 10_000 },
  );

  if (result.outcome === "fulfilled") {
    const { order, emailId } = result;
    await sendQueued(emailId);
    if (order.buyerId) {
      await notify({
        userId: order.buyerId,
        kind: "order.paid",
        title: "Payment confirmed",
        body: `You're registered for ${order.race.name}.`,
        href: `/orders/${order.id}`,
        dedupeKey: `order-paid:${order.id}`,
      });
    }
    await Promise.all([announceOrderChange(order.id), announceSale(order.raceId), announceRoomsChange(order.tickets.map((t) => t.roomId))]);
  }
  return result.outcome;
}

/**
 * A payment arrived after its hold expired and the places went to someone else: give the money back
 * automatically and tell the buyer. Safe to run twice (the refund's idempotency key is the order's).
 */
export async function refundLatePayment(payment: PaymentConfirmation) {
  const order = await db.order.update({
    where: { id: payment.orderId },
    data: {
      ...(payment.stripeSessionId ? { stripeSessionId: payment.stripeSessionId } : {}),
      ...(payment.paymentIntentId ? { stripePaymentIntentId: payment.paymentIntentId } : {}),
    },
    select: { id: true, totalMinor: true, currency: true, buyerId: true, buyerEmail: true, buyerName: true, race: { select: { name: true, slug: true } } },
  });
  const amountMinor = payment.amountTotalMinor ?? order.totalMinor;
  const { applied } = await refundPayment({
    orderId: order.id,
    amountMinor,
    reason: "payment arrived after the hold expired and the places were taken",
    idempotencyKey: `startline-late-payment-${order.id}`,
  });
  if (!applied) return;
  const amount = formatMoney(amountMinor, order.currency);
  const raceUrl = `${getEnv().appOrigin}/races/${order.race.slug}`;
  const email = await recordEmail({
    userId: order.buyerId ?? undefined,
    kind: "late_payment_refunded",
    to: order.buyerEmail,
    subject: `Your payment for ${order.race.name} was refunded`,
    text: `Hi ${order.buyerName},\n\nYour payment arrived after your places were released, and they have since been taken. We have refunded ${amount} in full; it reaches your account in 5–10 days.\n\nYou can try again at ${raceUrl}.`,
    html: `<p>Hi ${escapeHtml(order.buyerName)},</p><p>Your payment arrived after your places were released, and they have since been taken. We have refunded <strong>${amount}</strong> in full; it reaches your account in 5–10 days.</p><p><a href="${raceUrl}">Try again</a></p>`,
  });
  await sendQueued(email.id);
  if (order.buyerId) {
    await notify({
      userId: order.buyerId,
      kind: "order.late_refund",
      title: "Payment refunded",
      body: `Your places for ${order.race.name} were taken before your payment arrived; ${amount} is on its way back.`,
      href: `/orders/${order.id}`,
      dedupeKey: `late-refund:${order.id}`,
    });
  }
}
