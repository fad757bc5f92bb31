import type Stripe from "stripe";
import { refundFailedEmail } from "~/emails/refund-failed";
import { db, type Db } from "~/utils/db.server";
import { formatMoney } from "~/lib/money";
import { statusAfterFailedRefund, statusAfterRefund } from "~/lib/refund-rules";
import { raiseAlert } from "./alerts.server";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { lockOrderForRefund, orderForRefund, REFUND_TRANSACTION, REFUNDABLE_STATUSES, type LockedOrder } from "./order-refunds.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";
import { idOf, refundedOnStripe, refundFailed } from "./stripe-refunds.server";

/**
 * `charge.refunded` for a race order: what Stripe has refunded on the payment (read fresh, failed refunds left out) is
 * the truth for money. The order is brought up to it, never down, so a stale read racing a new refund cannot undo
 * it; only `charge.refund.updated` lowers it. Refunds made in Stripe's dashboard thereby show up. Tickets are left
 * alone: cancelling a ticket is the organiser's decision in Startline. Null when no order took this payment.
 */
export async function handleOrderChargeRefunded(event: Stripe.ChargeRefundedEvent) {
  const charge = event.data.object;
  const paymentIntentId = idOf(charge.payment_intent);
  if (!paymentIntentId) return { ignored: "the charge has no payment intent" };
  return followOrderRefunds(paymentIntentId, charge.amount_refunded, event.id);
}

/**
 * Brings the race order that took this payment up to what Stripe has refunded on it (`eventFigure` without Stripe);
 * `eventId` is the event that prompted it, for the audit trail. Also run once a payment is recorded, for refunds made
 * before the payment's event was handled (ADR 0041). Null when no order took this payment.
 */
export async function followOrderRefunds(paymentIntentId: string, eventFigure: number, eventId: string) {
  const order = await db.order.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: { id: true, raceId: true, race: { select: { organisationId: true } } } });
  if (!order) return null;
  const onStripe = await refundedOnStripe(paymentIntentId, eventFigure);
  const result = await db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<LockedOrder[]>`SELECT id, status, "totalMinor", "refundedMinor", "paidAt" FROM "Order" WHERE id = ${order.id} FOR UPDATE`;
    if (!locked) return { changed: false };
    const refundedMinor = Math.min(locked.totalMinor, Math.max(locked.refundedMinor, onStripe));
    if (refundedMinor === locked.refundedMinor) return { changed: false, refundedMinor };
    const paidOrRefunded = [...REFUNDABLE_STATUSES, "REFUNDED"].includes(locked.status);
    const validTickets = await tx.ticket.count({ where: { orderId: order.id, status: "ISSUED" } });
    const status = paidOrRefunded ? statusAfterRefund(locked.totalMinor, refundedMinor, validTickets) : locked.status;
    await tx.order.update({ where: { id: order.id }, data: { refundedMinor, status } });
    await recordAudit(tx, {
      organisationId: order.race.organisationId,
      raceId: order.raceId,
      actorId: null,
      action: "order.refund_recorded_from_stripe",
      entityType: "order",
      entityId: order.id,
      changes: { stripeEventId: eventId, refundedMinor: { from: locked.refundedMinor, to: refundedMinor }, status: { from: locked.status, to: status } },
    });
    return { changed: true, refundedMinor, status };
  });
  if (result.changed) {
    await announceOrderChange(order.id);
    await announceSale(order.raceId);
  }
  return { orderId: order.id, ...result };
}

/** The managers who must hear about a failed refund: the organisation's owners and managers. */
async function organisationManagers(tx: Db, organisationId: string) {
  return tx.organisationMember.findMany({
    where: { organisationId, role: { in: ["OWNER", "MANAGER"] } },
    select: { userId: true, user: { select: { email: true, name: true } } },
  });
}

/**
 * Puts tickets a failed refund had cancelled back, while their places are free; returns who was reinstated and who was
 * not (place sold again). A cancelled race's tickets are never put back: its buyers are being refunded, and a ticket
 * issued again would be a valid ticket of a race that will not run (ADR 0023).
 */
async function reinstateTickets(tx: Db, orderId: string, ticketIds: string[], raceCancelled: boolean) {
  const tickets = await tx.ticket.findMany({
    where: { id: { in: ticketIds }, orderId, status: "REFUNDED" },
    orderBy: { createdAt: "asc" },
    select: { id: true, ticketTypeId: true, participant: { select: { firstName: true, lastName: true } } },
  });
  const holderOf = (ticket: (typeof tickets)[number]) => (ticket.participant ? `${ticket.participant.firstName} ${ticket.participant.lastName}` : "a participant");
  if (raceCancelled) return { reinstated: [], placeTaken: [], raceCancelled: tickets.map(holderOf) };
  const types = await lockTicketTypes(tx, tickets.map((t) => t.ticketTypeId));
  const reinstated: string[] = [];
  const placeTaken: string[] = [];
  for (const ticket of tickets) {
    const type = types.get(ticket.ticketTypeId)!;
    // The place went to someone else meanwhile: never oversell; the organiser decides (see docs/decisions/0023).
    if (type.capacity - type.soldCount - type.heldCount < 1) {
      placeTaken.push(holderOf(ticket));
      continue;
    }
    await tx.ticket.update({ where: { id: ticket.id }, data: { status: "ISSUED" } });
    await tx.ticketType.update({ where: { id: type.id }, data: { soldCount: { increment: 1 } } });
    type.soldCount += 1;
    reinstated.push(holderOf(ticket));
  }
  return { reinstated, placeTaken, raceCancelled: [] };
}

/**
 * A refund Startline made on its own of a payment it never accepted (fulfilment refused it: late, for a cancelled race,
 * or a rejected Checkout Session) failed at the bank. The buyer's money is held again and no organiser page can refund
 * an order that was never paid, so operators are alerted — once per refund, whatever the number of deliveries.
 */
async function alertRefusedPaymentRefundFailed(refund: Stripe.Refund, orderId: string) {
  const failure = refund.failure_reason ?? refund.status ?? "unknown";
  await raiseAlert({
    kind: "payment.refund_failed",
    severity: "CRITICAL",
    message: `The automatic refund of ${formatMoney(refund.amount, refund.currency.toUpperCase())} for order ${orderId}, a payment Startline did not accept, failed at the bank (${failure.replaceAll("_", " ")}). The buyer's money was not returned: pay it back another way and tell the buyer.`,
    context: { orderId, stripeRefundId: refund.id, paymentIntentId: idOf(refund.payment_intent), amountMinor: refund.amount, currency: refund.currency, failureReason: failure },
    dedupeKey: `refund-failed-at-bank:${refund.id}`,
  });
}

/**
 * `charge.refund.updated` for a race order. A refund that failed (or was cancelled) gave nothing back, so the order
 * goes back to where it was: the refunded amount drops to what Stripe still has refunded, the tickets that refund
 * cancelled are issued again while their places are free and the race is not cancelled, and the organisation's owners
 * and managers are told, live and by email. The refund of a payment the order never accepted (its `paidAt` is empty)
 * issues nothing and leaves the order unpaid (CANCELLED); operators are alerted instead. Once per refund
 * (OrderRefund.revertedAt), whatever the number or order of deliveries; a refund still pending or succeeded only has
 * its status noted. Null when no order took this payment.
 */
export async function handleOrderRefundUpdated(refund: Stripe.Refund) {
  const paymentIntentId = idOf(refund.payment_intent);
  if (!paymentIntentId) return { ignored: "the refund has no payment intent" };
  const order = await db.order.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: orderForRefund });
  if (!order) return null;
  if (!refundFailed(refund)) {
    await db.orderRefund.updateMany({ where: { stripeRefundId: refund.id, revertedAt: null }, data: { status: refund.status ?? "pending" } });
    return { orderId: order.id, refundStatus: refund.status };
  }
  const onStripe = await refundedOnStripe(paymentIntentId, 0);
  const failure = refund.failure_reason ?? refund.status ?? "unknown";
  const money = formatMoney(refund.amount, order.currency);
  const result = await db.$transaction(
    async (tx) => {
      // The race first, in the lock order of holds and payments: a cancellation either came before (and is seen
      // here) or waits, and then refunds whatever this puts back.
      const race = await lockRaceForSale(tx, order.raceId);
      const locked = await lockOrderForRefund(tx, order);
      const accepted = locked.paidAt !== null;
      const record = await tx.orderRefund.upsert({
        where: { stripeRefundId: refund.id },
        // A refund Startline did not make (Stripe's dashboard) cancelled no tickets; record it so it is undone once.
        create: { orderId: order.id, stripeRefundId: refund.id, amountMinor: refund.amount, status: refund.status ?? "failed" },
        update: {},
        select: { revertedAt: true, ticketIds: true },
      });
      if (record.revertedAt) return { changed: false as const, accepted };
      const refundedMinor = Math.min(locked.refundedMinor, onStripe);
      const kept = accepted ? await reinstateTickets(tx, order.id, record.ticketIds, race?.status === "CANCELLED") : { reinstated: [], placeTaken: [], raceCancelled: [] };
      const [validTickets, cancelledTickets] = await Promise.all([
        tx.ticket.count({ where: { orderId: order.id, status: "ISSUED" } }),
        tx.ticket.count({ where: { orderId: order.id, status: "REFUNDED" } }),
      ]);
      const status = accepted ? statusAfterFailedRefund(locked.totalMinor, refundedMinor, validTickets, cancelledTickets) : "CANCELLED";
      await tx.order.update({ where: { id: order.id }, data: { refundedMinor, status } });
      await tx.orderRefund.update({ where: { stripeRefundId: refund.id }, data: { status: refund.status ?? "failed", failureReason: failure, revertedAt: new Date() } });
      await tx.cancellationRefund.updateMany({ where: { orderId: order.id }, data: { status: "FAILED", error: `The refund of ${money} failed at the bank (${failure}).` } });
      await recordAudit(tx, {
        organisationId: order.race.organisationId,
        raceId: order.raceId,
        actorId: null,
        action: "order.refund_failed",
        entityType: "order",
        entityId: order.id,
        changes: {
          stripeRefundId: refund.id,
          amountMinor: refund.amount,
          failureReason: failure,
          refundedMinor: { from: locked.refundedMinor, to: refundedMinor },
          status: { from: locked.status, to: status },
          ticketsReinstated: kept.reinstated,
          ticketsNotReinstated: [...kept.placeTaken, ...kept.raceCancelled],
        },
      });
      if (!accepted) return { changed: true as const, accepted, managers: [], emailIds: [], ...kept, refundedMinor, status };
      const failed = {
        orderId: order.id,
        raceName: order.race.name,
        buyerName: order.buyerName,
        buyerEmail: order.buyerEmail,
        amount: money,
        refundedNow: formatMoney(refundedMinor, order.currency),
        failure,
        paidAgain: status === "PAID",
        ...kept,
      };
      const managers = await organisationManagers(tx, order.race.organisationId);
      const emails = [];
      for (const manager of managers) {
        emails.push(await recordEmail({ userId: manager.userId, to: manager.user.email, ...refundFailedEmail({ ...failed, managerName: manager.user.name }) }, tx));
      }
      return { changed: true as const, accepted, managers: managers.map((m) => m.userId), emailIds: emails.map((e) => e.id), ...kept, refundedMinor, status };
    },
    REFUND_TRANSACTION,
  );
  // Raised on every delivery (stored once): a crash after the commit above still reaches the operators.
  if (!result.accepted) await alertRefusedPaymentRefundFailed(refund, order.id);
  if (!result.changed) return { orderId: order.id, changed: false };
  for (const emailId of result.emailIds) await sendQueued(emailId);
  const participantsPath = `/organiser/races/${order.raceId}/participants`;
  for (const userId of result.managers) {
    await notify({
      userId,
      kind: "refund_failed",
      title: "A refund failed",
      body: `${money} to ${order.buyerName} for ${order.race.name} was not refunded (${failure.replaceAll("_", " ")}); ${result.status === "PAID" ? "the order counts as paid again" : "the order can be refunded again"}.`,
      href: participantsPath,
      dedupeKey: `refund-failed:${refund.id}:${userId}`,
    });
  }
  await announceOrderChange(order.id);
  await announceSale(order.raceId);
  return {
    orderId: order.id,
    changed: true,
    refundedMinor: result.refundedMinor,
    status: result.status,
    reinstated: result.reinstated,
    notReinstated: [...result.placeTaken, ...result.raceCancelled],
  };
}

/**
 * `charge.refund.updated` for the refund of a rejected payment (ADR 0023): that payment is not the order's, so only the
 * refund's metadata names the order. A failure alerts operators; null for a refund of no order.
 */
export async function handleRejectedPaymentRefundUpdated(refund: Stripe.Refund) {
  const orderId = refund.metadata?.orderId;
  if (!orderId || !(await db.order.findUnique({ where: { id: orderId }, select: { id: true } }))) return null;
  if (refundFailed(refund)) await alertRefusedPaymentRefundFailed(refund, orderId);
  return { orderId, refundStatus: refund.status };
}
