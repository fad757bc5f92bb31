import { orderConfirmedEmail, ticketQrCid, type ConfirmedTicket } from "~/emails/order-confirmed";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { assignBib } from "./bibs.server";
import { redeemDiscount } from "./discount-holds.server";
import { recordEmail, sendQueued, type EmailAttachment } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { isSettled, paymentMismatch, raceRefusal, type PaymentRejection, type RaceRefusal } from "~/lib/payment-rules";
import { announceSale } from "./race-stats.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";
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



/**
 * The QR code images of an order's tickets, by ticket id. Rendered before fulfilment's transaction: it holds the
 * race's ticket-type locks, which every sale and expiry of the race waits for, so it does no CPU work it can avoid.
 */
async function qrImagesOf(orderId: string) {
  const tickets = await db.ticket.findMany({ where: { orderId }, select: { id: true, qrToken: true } });
  return new Map(await Promise.all(tickets.map(async (t) => [t.id, (await ticketQrPng(t.qrToken)).toString("base64")] as const)));
}

/** The confirmation email with each ticket's QR code attached, shown inline by the HTML. */
async function confirmationEmail(order: Parameters<typeof orderConfirmedEmail>[0]["order"], tickets: (ConfirmedTicket & { qrToken: string })[], qrImages: Map<string, string>) {
  const attachments: EmailAttachment[] = await Promise.all(
    tickets.map(async (ticket) => ({
      filename: `ticket-${ticket.bib ?? ticket.id}.png`,
      contentType: "image/png",
      cid: ticketQrCid(ticket.id),
      base64: qrImages.get(ticket.id) ?? (await ticketQrPng(ticket.qrToken)).toString("base64"),
    })),
  );
  return { ...orderConfirmedEmail({ origin: getEnv().appOrigin, order, tickets }), attachments };
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
          select: { id: true, bib: true, qrToken: true, ticketType: { select: { name: true } }, participant: { select: { firstName: true, lastName: true } } },
        });
        const confirmed = issued.map((t) => ({
          id: t.id,
          bib: t.bib,
          qrToken: t.qrToken,
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

export type UnfulfilledCause = "late_no_places" | "discount_lost" | RaceRefusal;

const UNFULFILLED: string[] = ["late_no_places", "discount_lost", "race_cancelled", "sales_closed"] satisfies UnfulfilledCause[];

/** The order's own payment that fulfilment could not honour, to be refunded in full. */
export function isUnfulfilled(outcome: FulfilmentResult["outcome"]): outcome is UnfulfilledCause {
  return UNFULFILLED.includes(outcome);
}
