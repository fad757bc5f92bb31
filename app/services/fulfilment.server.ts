import { db } from "~/utils/db.server";
import { escapeHtml } from "~/lib/html";
import { getEnv } from "~/utils/env.server";
import { formatMoney } from "~/lib/money";
import { formatInZone } from "~/lib/time";
import { raiseAlert } from "./alerts.server";
import { assignBib } from "./bibs.server";
import { redeemDiscount } from "./discounts.server";
import { RefundError, refundPayment } from "./refunds.server";
import { recordEmail, sendQueued, type EmailAttachment } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { isSettled, paymentMismatch, raceRefusal, rejectionReasons, type PaymentRejection, type RaceRefusal } from "~/lib/payment-rules";
import { announceSale } from "./race-stats.server";
import { lockRaceForSale, lockTicketTypes, releaseOrder } from "./reservations.server";
import { announceRoomsChange } from "./room-status.server";
import { ticketQrPng } from "./tickets.server";

/** A paid Checkout Session (or the demo page's stand-in for one), as Stripe reports it now. */
export type SessionPayment = {
  orderId: string;
  stripeSessionId: string;
  paymentIntentId: string | null;
  /** What Stripe charged, tax included. */
  amountTotalMinor: number;
  /** Tax computed by Stripe Tax. */
  amountTaxMinor: number | null;
  currency: string;
};

/** A free order needs no payment: it is fulfilled only while its total is still zero. */
export type FreeOrder = { orderId: string; free: true };

export type FulfilmentResult =
  | { outcome: "fulfilled" | "already_paid" | "not_found" }
  /** The order's own payment, which cannot buy its places: refunded by `refundUnfulfilledPayment`. */
  | { outcome: "late_no_places" | RaceRefusal }
  /** The order's hold was gone and its code has since been used up (or the buyer's limit reached). */
  | { outcome: "discount_lost"; message: string }
  /** The payment is not the one the order asked for (ADR 0023); nothing changed. */
  | { outcome: "rejected"; reason: PaymentRejection };

/** Ends the fulfilment transaction with a rollback and an outcome. */
class FulfilmentStopped extends Error {
  constructor(readonly result: Extract<FulfilmentResult, { outcome: "discount_lost" }>) {
    super(result.outcome);
  }
}

type ConfirmedTicket = { id: string; bib: number | null; qrToken: string; priceMinor: number; typeName: string; participant: string };


/**
 * The QR code images of an order's tickets, by ticket id. Rendered before fulfilment's transaction: it holds the
 * race's ticket-type locks, which every sale and expiry of the race waits for, so it does no CPU work it can avoid.
 */
async function qrImagesOf(orderId: string) {
  const tickets = await db.ticket.findMany({ where: { orderId }, select: { id: true, qrToken: true } });
  return new Map(await Promise.all(tickets.map(async (t) => [t.id, (await ticketQrPng(t.qrToken)).toString("base64")] as const)));
}

async function confirmationEmail(order: { id: string; currency: string; totalMinor: number; buyerName: string; race: { name: string; startsAt: Date; timeZone: string; location: string } }, tickets: ConfirmedTicket[], qrImages: Map<string, string>) {
  const origin = getEnv().appOrigin;
  const when = formatInZone(order.race.startsAt, order.race.timeZone);
  const attachments: EmailAttachment[] = await Promise.all(
    tickets.map(async (ticket) => ({
      filename: `ticket-${ticket.bib ?? ticket.id}.png`,
      contentType: "image/png",
      cid: `ticket-${ticket.id}@startline`,
      base64: qrImages.get(ticket.id) ?? (await ticketQrPng(ticket.qrToken)).toString("base64"),
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
 * sold, making the discount's use final, and recording the confirmation email — in one transaction that
 * locks the order's ticket types and then the order row (the lock order of reservations and refunds), so
 * running it twice (duplicate or out-of-order webhooks) changes nothing the second time.
 * First it checks that this is the payment the order asked for (its current session, currency and total,
 * or a free order still free): anything else is `rejected` with nothing changed, for the caller to refund.
 * A cancelled race takes no payment (`race_cancelled`); the race row is locked first, so a cancellation either
 * committed before and is seen here, or waits for this payment and then refunds the paid order.
 * A payment for an order whose hold already expired re-acquires its places and its code's use if they are
 * still free and still on sale; otherwise it reports `sales_closed`, `late_no_places` or `discount_lost` and
 * changes nothing.
 */
export async function fulfilOrder(payment: SessionPayment | FreeOrder): Promise<FulfilmentResult> {
  const target = await db.order.findUnique({
    where: { id: payment.orderId },
    select: { raceId: true, status: true, stripeSessionId: true, tickets: { distinct: ["ticketTypeId"], select: { ticketTypeId: true } } },
  });
  if (!target) return { outcome: "not_found" };
  const paid = "free" in payment ? null : payment;
  // A repeated event for a paid order (the common duplicate) needs no images; the transaction decides for real.
  const qrImages = isSettled(target.status) && (!paid || target.stripeSessionId === paid.stripeSessionId) ? new Map<string, string>() : await qrImagesOf(payment.orderId);
  const result = await db
    .$transaction(
      async (tx) => {
        const race = await lockRaceForSale(tx, target.raceId);
        const types = await lockTicketTypes(tx, target.tickets.map((t) => t.ticketTypeId));
        const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Order" WHERE id = ${payment.orderId} FOR UPDATE`;
        if (!locked || !race) return { outcome: "not_found" as const };
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
            stripeSessionId: true,
            race: { select: { name: true, startsAt: true, timeZone: true, location: true, taxMode: true } },
            tickets: { orderBy: { createdAt: "asc" }, select: { id: true, ticketTypeId: true, status: true, roomId: true, room: { select: { name: true, teamName: true } } } },
          },
        });
        if (isSettled(order.status) && (!paid || order.stripeSessionId === paid.stripeSessionId)) return { outcome: "already_paid" as const };
        const rejection = paid
          ? paymentMismatch({ ...order, taxMode: order.race.taxMode }, { sessionId: paid.stripeSessionId, currency: paid.currency, amountTotalMinor: paid.amountTotalMinor, amountTaxMinor: paid.amountTaxMinor })
          : order.totalMinor === 0
            ? null
            : "amount_mismatch";
        if (rejection) return { outcome: "rejected" as const, reason: rejection };

        const late = order.status !== "PENDING";
        const issuing = order.tickets.filter((t) => t.status === (late ? "CANCELLED" : "HELD"));
        const perType = new Map<string, number>();
        for (const t of issuing) perType.set(t.ticketTypeId, (perType.get(t.ticketTypeId) ?? 0) + 1);
        // Every check before the first write: an early return commits what was written before it.
        const refusal = raceRefusal(race, [...perType.keys()].map((id) => types.get(id)!), { late, now: new Date() });
        if (refusal) return { outcome: refusal };
        const placesLeft = (id: string) => types.get(id)!.capacity - types.get(id)!.soldCount - types.get(id)!.heldCount;
        if (late && [...perType].some(([id, count]) => placesLeft(id) < count)) return { outcome: "late_no_places" as const };
        if (order.discountCodeId) {
          const use = await redeemDiscount(tx, { codeId: order.discountCodeId, orderId: order.id, email: order.buyerEmail, userId: order.buyerId });
          if (use.status === "used_up" || use.status === "per_user_limit") throw new FulfilmentStopped({ outcome: "discount_lost", message: use.message });
        }
        for (const [ticketTypeId, count] of perType) {
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
        const totalMinor = paid?.amountTotalMinor ?? order.totalMinor;
        const taxMinor = paid?.amountTaxMinor ?? order.taxMinor;
        await tx.order.update({
          where: { id: order.id },
          data: {
            status: "PAID",
            paidAt: new Date(),
            holdExpiresAt: null,
            totalMinor,
            taxMinor,
            ...(paid?.paymentIntentId ? { stripePaymentIntentId: paid.paymentIntentId } : {}),
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
        const email = await recordEmail({ userId: order.buyerId ?? undefined, to: order.buyerEmail, ...(await confirmationEmail({ ...order, totalMinor }, confirmed, qrImages)) }, tx);
        return { outcome: "fulfilled" as const, emailId: email.id, order };
      },
      { timeout: 30_000, maxWait: 10_000 },
    )
    // A stop (the code's use was lost) rolls back everything the transaction wrote.
    .catch((error: unknown) => {
      if (error instanceof FulfilmentStopped) return error.result;
      throw error;
    });

  if (result.outcome !== "fulfilled") return result;
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
  return { outcome: "fulfilled" };
}

type UnfulfilledCause = "late_no_places" | "discount_lost" | RaceRefusal;

const UNFULFILLED: string[] = ["late_no_places", "discount_lost", "race_cancelled", "sales_closed"] satisfies UnfulfilledCause[];

/** The order's own payment that fulfilment could not honour, to be refunded in full. */
export function isUnfulfilled(outcome: FulfilmentResult["outcome"]): outcome is UnfulfilledCause {
  return UNFULFILLED.includes(outcome);
}

const unfulfilledCauses: Record<UnfulfilledCause, { reason: string; keyPrefix: string; emailKind: string; why: string; toast: (race: string, amount: string) => string }> = {
  late_no_places: {
    reason: "payment arrived after the hold expired and the places were taken",
    keyPrefix: "startline-late-payment",
    emailKind: "late_payment_refunded",
    why: "Your payment arrived after your places were released, and they have since been taken.",
    toast: (race, amount) => `Your places for ${race} were taken before your payment arrived; ${amount} is on its way back.`,
  },
  discount_lost: {
    reason: "payment arrived after the hold expired and the discount code had been used up",
    keyPrefix: "startline-discount-lost",
    emailKind: "discount_lost_refunded",
    why: "Your payment arrived after your checkout had run out, and the discount code you used can no longer be used for this order.",
    toast: (race, amount) => `Your discount code for ${race} was used up before your payment arrived; ${amount} is on its way back.`,
  },
  race_cancelled: {
    reason: "payment arrived for a race that has been cancelled",
    keyPrefix: "startline-race-cancelled-payment",
    emailKind: "race_cancelled_payment_refunded",
    why: "The race has been cancelled by its organiser, so we could not accept your registration.",
    toast: (race, amount) => `${race} has been cancelled, so your registration was not accepted; ${amount} is on its way back.`,
  },
  sales_closed: {
    reason: "payment arrived after the hold expired and registration had closed",
    keyPrefix: "startline-sales-closed-payment",
    emailKind: "sales_closed_payment_refunded",
    why: "Your payment arrived after your places were released, and registration has closed since.",
    toast: (race, amount) => `Registration for ${race} closed before your payment arrived; ${amount} is on its way back.`,
  },
};

/**
 * A payment for the order's own session that cannot be honoured (the race was cancelled, or the hold expired and
 * its places, its discount code's last use or the race's registration went meanwhile): release whatever the order
 * still holds, give the money back in full and tell the buyer. A lost discount also alerts operators, since the
 * buyer saw a price the code no longer allows. Safe to run twice (the refund's idempotency key is the order's).
 */
export async function refundUnfulfilledPayment(payment: SessionPayment, cause: UnfulfilledCause) {
  const { reason, keyPrefix, emailKind, why, toast } = unfulfilledCauses[cause];
  // The payment is recorded before the release, so a cancelled race's refund job that sees the order unpaid knows
  // its money arrived and is coming back through this path (ADR 0023).
  const order = await db.order.update({
    where: { id: payment.orderId },
    data: payment.paymentIntentId ? { stripePaymentIntentId: payment.paymentIntentId } : {},
    select: { id: true, buyerId: true, buyerEmail: true, buyerName: true, race: { select: { name: true, slug: true } } },
  });
  await releaseOrder(payment.orderId, "CANCELLED", { endedSessionId: payment.stripeSessionId });
  const { applied, stripeRefundId } = await refundOrAlert(payment, { orderId: order.id, amountMinor: payment.amountTotalMinor, reason, idempotencyKey: `${keyPrefix}-${order.id}` });
  if (cause === "discount_lost") {
    await raiseAlert({
      kind: "payment.discount_lost",
      severity: "WARNING",
      message: `A late payment for order ${order.id} (${order.race.name}) was refunded: its discount code had been used up after the hold expired.`,
      context: { orderId: order.id, stripeSessionId: payment.stripeSessionId, paymentIntentId: payment.paymentIntentId, amountMinor: payment.amountTotalMinor, currency: payment.currency, stripeRefundId },
      dedupeKey: `payment-discount-lost:${payment.stripeSessionId}`,
    });
  }
  if (!applied) return;
  const amount = formatMoney(payment.amountTotalMinor, payment.currency.toUpperCase());
  const raceUrl = `${getEnv().appOrigin}/races/${order.race.slug}`;
  await tellBuyerOfRefund(order, {
    kind: emailKind,
    text: `${why} We have refunded ${amount} in full; it reaches your account in 5–10 days.\n\nYou can try again at ${raceUrl}.`,
    html: `<p>${escapeHtml(why)} We have refunded <strong>${amount}</strong> in full; it reaches your account in 5–10 days.</p><p><a href="${raceUrl}">Try again</a></p>`,
    toast: toast(order.race.name, amount),
    dedupeKey: `late-refund:${order.id}`,
  });
}

/**
 * A paid Checkout Session that does not pay its order (ADR 0023): an old session of an order whose total
 * changed, a second payment of a paid order, or another amount or currency. The money goes back in full
 * through `refundPayment`, the order is left unpaid (a rejected current session is forgotten, so paying
 * again opens a new one), operators get an alert and the buyer is told. Safe to run twice: the refund's
 * idempotency key and the alert's dedupe key are the session's.
 */
export async function rejectPayment(payment: SessionPayment, rejection: PaymentRejection) {
  const order = await db.order.findUniqueOrThrow({
    where: { id: payment.orderId },
    select: { id: true, status: true, currency: true, totalMinor: true, stripeSessionId: true, buyerId: true, buyerEmail: true, buyerName: true, race: { select: { name: true } } },
  });
  const { stripeRefundId } = await refundOrAlert(payment, {
    orderId: order.id,
    amountMinor: payment.amountTotalMinor,
    reason: `payment rejected: ${rejection}`,
    idempotencyKey: `startline-rejected-payment-${payment.stripeSessionId}`,
    paymentIntentId: payment.paymentIntentId,
  });
  await db.order.updateMany({ where: { id: order.id, stripeSessionId: payment.stripeSessionId, status: { in: ["PENDING", "EXPIRED", "CANCELLED"] } }, data: { stripeSessionId: null } });
  const paidMoney = formatMoney(payment.amountTotalMinor, payment.currency.toUpperCase());
  const { created } = await raiseAlert({
    kind: "payment.rejected",
    severity: rejection === "amount_mismatch" || rejection === "currency_mismatch" ? "CRITICAL" : "WARNING",
    message: `A payment of ${paidMoney} for order ${order.id} (${order.race.name}) was refunded and the order left unpaid: ${rejectionReasons[rejection]}.`,
    context: {
      reason: rejection,
      orderId: order.id,
      orderStatus: order.status,
      orderTotalMinor: order.totalMinor,
      orderCurrency: order.currency,
      orderSessionId: order.stripeSessionId,
      stripeSessionId: payment.stripeSessionId,
      paymentIntentId: payment.paymentIntentId,
      amountPaidMinor: payment.amountTotalMinor,
      currencyPaid: payment.currency,
      stripeRefundId,
    },
    dedupeKey: `payment-rejected:${payment.stripeSessionId}`,
  });
  if (!created) return;
  const orderUrl = `${getEnv().appOrigin}/orders/${order.id}`;
  const why = "We received a payment from a checkout page that no longer matched your order (it had changed since the page was opened), so we did not accept it.";
  await tellBuyerOfRefund(order, {
    kind: "payment_rejected_refunded",
    text: `${why} We have refunded ${paidMoney} in full; it reaches your account in 5–10 days. Your order has not been paid: ${orderUrl}`,
    html: `<p>${escapeHtml(why)} We have refunded <strong>${paidMoney}</strong> in full; it reaches your account in 5–10 days.</p><p><a href="${orderUrl}">Your order</a> has not been paid.</p>`,
    toast: `A payment from an out-of-date checkout page was refunded (${paidMoney}); your order is not paid.`,
    dedupeKey: `rejected-payment:${payment.stripeSessionId}`,
  });
}

/**
 * Gives a payment back through `refundPayment`. When Stripe does not (it refused, or did not answer),
 * operators are alerted at once, before the job's retries, since the buyer's money is still held.
 */
async function refundOrAlert(payment: SessionPayment, refund: Parameters<typeof refundPayment>[0]) {
  try {
    return await refundPayment(refund);
  } catch (error) {
    if (!(error instanceof RefundError)) throw error;
    const money = formatMoney(refund.amountMinor, payment.currency.toUpperCase());
    await raiseAlert({
      kind: "payment.refund_failed",
      severity: "CRITICAL",
      message: `An automatic refund of ${money} for order ${refund.orderId} failed (${error.message}). The job retries; refund it by hand if it keeps failing.`,
      context: { orderId: refund.orderId, reason: refund.reason, stripeSessionId: payment.stripeSessionId, paymentIntentId: payment.paymentIntentId, idempotencyKey: refund.idempotencyKey },
      dedupeKey: `refund-failed:${refund.idempotencyKey}`,
    });
    throw error;
  }
}

/** The buyer's email and toast about a payment given back. */
async function tellBuyerOfRefund(
  order: { id: string; buyerId: string | null; buyerEmail: string; buyerName: string; race: { name: string } },
  message: { kind: string; text: string; html: string; toast: string; dedupeKey: string },
) {
  const email = await recordEmail({
    userId: order.buyerId ?? undefined,
    kind: message.kind,
    to: order.buyerEmail,
    subject: `Your payment for ${order.race.name} was refunded`,
    text: `Hi ${order.buyerName},\n\n${message.text}`,
    html: `<p>Hi ${escapeHtml(order.buyerName)},</p>${message.html}`,
  });
  await sendQueued(email.id);
  if (order.buyerId) {
    await notify({ userId: order.buyerId, kind: "order.refunded_payment", title: "Payment refunded", body: message.toast, href: `/orders/${order.id}`, dedupeKey: message.dedupeKey });
  }
}
