import type { OrderStatus } from "@prisma/client";
import type Stripe from "stripe";
import { requeue } from "~/jobs/queues.server";
import { PermanentFailure } from "~/lib/errors";
import { raceCancelledRefundEmail } from "~/emails/race-cancelled-refund";
import { db, type Db } from "~/utils/db.server";
import { formatMoney } from "~/lib/money";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";
import { endCheckoutSession } from "./checkout-sessions.server";
import { announceSale } from "./race-stats.server";
import { applyRefund, orderForRefund, REFUNDABLE_STATUSES } from "./order-refunds.server";
import { RefundError } from "./stripe-refunds.server";
import { releaseOrder } from "./hold-releases.server";

/** Orders whose money (or tickets) a cancellation must give back: paid ones, and refunded ones that still hold tickets. */
const TO_REFUND: OrderStatus[] = ["PAID", "PARTIALLY_REFUNDED"];

/**
 * Called inside the transaction that cancels the race: one CancellationRefund row per order to refund, so that no
 * order is missed even if queueing its job fails after the commit (housekeeping queues rows left waiting).
 */
export async function recordCancellationRefunds(tx: Db, raceId: string) {
  const orders = await tx.order.findMany({
    where: { raceId, OR: [{ status: { in: TO_REFUND } }, { status: "REFUNDED", tickets: { some: { status: "ISSUED" } } }] },
    select: { id: true },
  });
  await tx.cancellationRefund.createMany({ data: orders.map((order) => ({ orderId: order.id, raceId })), skipDuplicates: true });
}

/**
 * Ends a Checkout Session so it can no longer be paid. False when it could not be ended: it was paid a moment ago, or
 * Stripe did not answer — the race is cancelled either way, and the order's refund job then waits for Stripe's event
 * about the session.
 */
async function expireSession(stripe: Stripe, sessionId: string) {
  try {
    return (await endCheckoutSession(stripe, sessionId)) === "expired";
  } catch (error) {
    if (isStripeApiError(error)) return false;
    throw error;
  }
}

/**
 * After the race is cancelled: checkouts in progress end (Stripe session expired, places released) and each order to
 * refund gets its job. A session that could not be expired may have just been paid: that order keeps its hold until
 * Stripe's event settles it (fulfilment refuses and refunds a payment for a cancelled race, or
 * checkout.session.expired releases it), and its refund job waits for that.
 */
export async function startCancellationRefunds(raceId: string) {
  const stripe = stripeClient();
  const pending = await db.order.findMany({ where: { raceId, status: "PENDING" }, select: { id: true, stripeSessionId: true } });
  for (const order of pending) {
    if (stripe && order.stripeSessionId && !(await expireSession(stripe, order.stripeSessionId))) {
      await db.cancellationRefund.createMany({ data: [{ orderId: order.id, raceId }], skipDuplicates: true });
      continue;
    }
    await releaseOrder(order.id, "CANCELLED", { endedSessionId: order.stripeSessionId });
  }
  // An order paid between the cancelling commit and the release above is caught by looking again.
  await recordCancellationRefunds(db, raceId);
  return queueCancellationRefunds({ raceId });
}

/** Queues the refund job of every row still waiting (of one race, or of all races left waiting for `olderThanMs`). */
export async function queueCancellationRefunds({ raceId, olderThanMs }: { raceId?: string; olderThanMs?: number } = {}) {
  const waiting = await db.cancellationRefund.findMany({
    where: { status: "QUEUED", ...(raceId ? { raceId } : {}), ...(olderThanMs ? { updatedAt: { lt: new Date(Date.now() - olderThanMs) } } : {}) },
    select: { orderId: true },
    take: raceId ? undefined : 500,
  });
  // The job id is the order's: queueing again while a job waits or runs is a no-op; a job that failed without
  // recording it (its worker died while running it) runs again.
  for (const { orderId } of waiting) await requeue("refunds.cancelled-race-order", { orderId });
  return waiting.length;
}

/**
 * A race was cancelled: everything left on this order goes back and every valid ticket is cancelled, with no one
 * asking for it (the job of the cancellation). The key is the order's and the amount's, so a retried job replays
 * Stripe's answer. Throws a plain error (retried) while the order's checkout is still open or its payment is being
 * recorded; `paid: false` when the checkout ended without payment.
 */
export async function refundOrderOfCancelledRace(orderId: string) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: orderForRefund });
  if (!order) throw new RefundError("This order no longer exists.", "not_found");
  if (order.status === "PENDING") throw new Error(`order ${orderId} is still waiting for Stripe to confirm its payment`);
  const refundable = order.totalMinor - order.refundedMinor;
  const issued = order.tickets.some((t) => t.status === "ISSUED");
  const paid = REFUNDABLE_STATUSES.includes(order.status) || order.status === "REFUNDED";
  // Its payment arrived after the cancellation: fulfilment refused it and is refunding it (refundPayment settles this order's row).
  if (!paid && order.stripePaymentIntentId) throw new Error(`order ${orderId}'s payment arrived after the race was cancelled and is being refunded`);
  if (!paid) return { paid, applied: false, amountMinor: 0 };
  if (refundable === 0 && !issued) return { paid, applied: false, amountMinor: 0 };
  const money = formatMoney(refundable, order.currency);
  const outcome = await applyRefund({
    order,
    amountMinor: refundable,
    basisRefundedMinor: order.refundedMinor,
    tickets: "all",
    idempotencyKey: `startline-refund-cancelled-race-${orderId}-${refundable}`,
    actorId: null,
    audit: { action: "order.refunded", entityType: "order", entityId: orderId, details: { kind: "race_cancelled" } },
    email: raceCancelledRefundEmail({ buyerName: order.buyerName, orderId, raceName: order.race.name, amount: refundable > 0 ? money : null }),
    stripeMetadata: { orderId, reason: "race_cancelled" },
  });
  return { paid, applied: outcome.applied, amountMinor: outcome.amountMinor };
}

/** The job: refund the order in full, then record the outcome the organiser follows on the race page. */
export async function runCancellationRefund(orderId: string) {
  let outcome;
  try {
    outcome = await refundOrderOfCancelledRace(orderId);
  } catch (error) {
    // Stripe's refusal or a vanished order will not change on retry; a Stripe outage and a payment not yet recorded will.
    if (error instanceof RefundError && error.kind !== "upstream") throw new PermanentFailure(error.message, { cause: error });
    throw error;
  }
  // An order whose checkout ended unpaid had nothing to refund and is not one of the race's paid orders. A refund
  // that already failed at the bank (charge.refund.updated) stays FAILED.
  const where = { orderId, status: "QUEUED" as const };
  const row = await db.cancellationRefund.findFirst({ where, select: { raceId: true } });
  if (!row) return outcome;
  if (!outcome.paid) await db.cancellationRefund.deleteMany({ where });
  else await db.cancellationRefund.updateMany({ where, data: { status: "DONE", amountMinor: outcome.amountMinor } });
  await announceSale(row.raceId);
  return outcome;
}

/** After the last retry: the organiser sees the order as failed, with the reason. */
export async function failCancellationRefund(orderId: string, message: string) {
  const rows = await db.cancellationRefund.updateManyAndReturn({ where: { orderId, status: "QUEUED" }, data: { status: "FAILED", error: message }, select: { raceId: true } });
  for (const { raceId } of rows) await announceSale(raceId);
}
