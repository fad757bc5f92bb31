import type { PaymentRejection } from "~/lib/payment-rules";
import { rejectionReasons } from "~/lib/payment-rules";
import { formatMoney } from "~/lib/money";
import type { EmailContent } from "~/emails/email";
import { rejectedPaymentRefundedEmail } from "~/emails/rejected-payment-refunded";
import { unacceptedPaymentRefundedEmail } from "~/emails/unaccepted-payment-refunded";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { raiseAlert } from "./alerts.server";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";
import type { SessionPayment, UnfulfilledCause } from "./fulfilment.server";
import { notify } from "./notifications.server";
import { recordOrderRefund, stripeAuditDetails, type LockedOrder } from "./order-refunds.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { releaseOrder } from "./hold-releases.server";
import { createStripeRefund, RefundError } from "./stripe-refunds.server";

/**
 * Gives a payment back without touching tickets (the caller's business): used when a payment arrives
 * after its hold expired. The order ends REFUNDED with refundedMinor = amount. Safe to call twice with
 * the same idempotency key.
 * With `paymentIntentId`, the payment refunded is that one, which the order did not accept (a stale or
 * mismatched Checkout Session, ADR 0023): the money goes back and the order is left as it is.
 */
export async function refundPayment({ orderId, amountMinor, reason, idempotencyKey, paymentIntentId }: { orderId: string; amountMinor: number; reason: string; idempotencyKey: string; paymentIntentId?: string | null }) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { id: true, raceId: true, stripePaymentIntentId: true, race: { select: { organisationId: true } } } });
  if (!order) throw new RefundError("This order does not exist.", "not_found");
  if (!Number.isInteger(amountMinor) || amountMinor < 0) throw new RefundError("A refund amount is a whole number of minor units.", "invalid");
  const rejectedPayment = paymentIntentId !== undefined;
  const stripeRefund = await createStripeRefund({
    paymentIntentId: rejectedPayment ? paymentIntentId : order.stripePaymentIntentId,
    amountMinor,
    idempotencyKey,
    metadata: { orderId, reason },
  });
  if (rejectedPayment) return { applied: stripeRefund !== null, stripeRefundId: stripeRefund?.stripeRefundId ?? null };
  const applied = await db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<LockedOrder[]>`SELECT id, status, "totalMinor", "refundedMinor", "paidAt" FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
    if (!locked) return false;
    if (stripeRefund) await recordOrderRefund(tx, orderId, amountMinor, stripeRefund, []);
    if (locked.status === "REFUNDED" && locked.refundedMinor >= amountMinor) return false;
    const refundedMinor = Math.max(locked.refundedMinor, amountMinor);
    await tx.order.update({ where: { id: orderId }, data: { status: "REFUNDED", refundedMinor } });
    // A payment that arrived for a cancelled race is that order's cancellation refund: its row (left waiting when the
    // cancellation found the session just paid) is done with this refund, in the same transaction.
    await tx.cancellationRefund.updateMany({ where: { orderId, status: "QUEUED" }, data: { status: "DONE", amountMinor: refundedMinor } });
    await recordAudit(tx, {
      organisationId: order.race.organisationId,
      raceId: order.raceId,
      actorId: null,
      action: "order.refunded",
      entityType: "order",
      entityId: orderId,
      changes: { kind: "automatic", reason, amountMinor, refundedMinor: { from: locked.refundedMinor, to: refundedMinor }, status: { from: locked.status, to: "REFUNDED" }, ...stripeAuditDetails(stripeRefund) },
    });
    return true;
  });
  if (applied) {
    await announceOrderChange(orderId);
    await announceSale(order.raceId);
  }
  return { applied, stripeRefundId: stripeRefund?.stripeRefundId ?? null };
}

const unfulfilledCauses: Record<UnfulfilledCause, { reason: string; keyPrefix: string; toast: (race: string, amount: string) => string }> = {
  late_no_places: {
    reason: "payment arrived after the hold expired and the places were taken",
    keyPrefix: "startline-late-payment",
    toast: (race, amount) => `Your places for ${race} were taken before your payment arrived; ${amount} is on its way back.`,
  },
  discount_lost: {
    reason: "payment arrived after the hold expired and the discount code had been used up",
    keyPrefix: "startline-discount-lost",
    toast: (race, amount) => `Your discount code for ${race} was used up before your payment arrived; ${amount} is on its way back.`,
  },
  race_cancelled: {
    reason: "payment arrived for a race that has been cancelled",
    keyPrefix: "startline-race-cancelled-payment",
    toast: (race, amount) => `${race} has been cancelled, so your registration was not accepted; ${amount} is on its way back.`,
  },
  sales_closed: {
    reason: "payment arrived after the hold expired and registration had closed",
    keyPrefix: "startline-sales-closed-payment",
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
  const { reason, keyPrefix, toast } = unfulfilledCauses[cause];
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
    email: unacceptedPaymentRefundedEmail({ cause, buyerName: order.buyerName, raceName: order.race.name, amount, raceUrl }),
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
  await tellBuyerOfRefund(order, {
    email: rejectedPaymentRefundedEmail({ buyerName: order.buyerName, raceName: order.race.name, amount: paidMoney, orderUrl }),
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
async function tellBuyerOfRefund(order: { id: string; buyerId: string | null; buyerEmail: string }, message: { email: EmailContent; toast: string; dedupeKey: string }) {
  const email = await recordEmail({ userId: order.buyerId ?? undefined, to: order.buyerEmail, ...message.email });
  await sendQueued(email.id, { receipt: true });
  if (order.buyerId) {
    await notify({ userId: order.buyerId, kind: "order.refunded_payment", title: "Payment refunded", body: message.toast, href: `/orders/${order.id}`, dedupeKey: message.dedupeKey });
  }
}
