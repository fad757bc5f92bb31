import { orderRefundedEmail } from "~/emails/order-refunded";
import { ticketRefundedEmail } from "~/emails/ticket-refunded";
import { db } from "~/utils/db.server";
import { formatMoney } from "~/lib/money";
import { applyRefund, orderForRefund, REFUNDABLE_STATUSES, type OrderForRefund } from "./order-refunds.server";
import { RefundError } from "./stripe-refunds.server";

async function loadOrder(raceId: string, orderId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, raceId }, select: orderForRefund });
  if (!order) throw new RefundError("This order does not belong to this race.", "not_found");
  return order;
}

function refuseUnpaid(order: OrderForRefund) {
  if (order.status === "REFUNDED") return;
  if (!REFUNDABLE_STATUSES.includes(order.status)) {
    throw new RefundError(`Only paid orders can be refunded; this order is ${order.status.toLowerCase().replace("_", " ")}.`, "conflict");
  }
}

/**
 * Refunds one ticket: its price, capped at what is left refundable on the order (nothing when the order's
 * money was already given back, e.g. from Stripe's dashboard: the ticket is then just cancelled). The
 * ticket becomes REFUNDED and its place is released. A ticket is refunded at most once: the idempotency
 * key is the ticket's own.
 */
export async function refundTicket({ raceId, ticketId, actorId }: { raceId: string; ticketId: string; actorId: string }) {
  const ticket = await db.ticket.findFirst({ where: { id: ticketId, raceId }, select: { orderId: true } });
  if (!ticket) throw new RefundError("This ticket does not belong to this race.", "not_found");
  const order = await loadOrder(raceId, ticket.orderId);
  refuseUnpaid(order);
  const target = order.tickets.find((t) => t.id === ticketId)!;
  if (target.status === "REFUNDED") throw new RefundError("This ticket has already been refunded.", "conflict");
  if (target.status !== "ISSUED") throw new RefundError("Only issued tickets can be refunded; this one was never paid for.", "conflict");
  const amountMinor = Math.min(target.priceMinor, order.totalMinor - order.refundedMinor);
  const holder = target.participant ? `${target.participant.firstName} ${target.participant.lastName}` : "a participant";
  const money = formatMoney(amountMinor, order.currency);
  return applyRefund({
    order,
    amountMinor,
    basisRefundedMinor: order.refundedMinor,
    tickets: [ticketId],
    idempotencyKey: `startline-refund-ticket-${ticketId}`,
    actorId,
    audit: { action: "ticket.refunded", entityType: "ticket", entityId: ticketId, details: { participant: holder } },
    email: ticketRefundedEmail({ buyerName: order.buyerName, orderId: order.id, raceName: order.race.name, holder, amount: amountMinor > 0 ? money : null }),
    stripeMetadata: { orderId: order.id, ticketId },
  });
}

/**
 * Refunds an order: in full by default (everything not yet refunded; every issued ticket becomes
 * REFUNDED and its place is released), or a partial amount (money only; the tickets stay valid).
 * `expectedRefundedMinor` is what the organiser saw as already refunded: it keys the refund, so the same
 * form submitted twice refunds once.
 */
export async function refundOrder({
  raceId,
  orderId,
  actorId,
  amountMinor,
  expectedRefundedMinor,
}: {
  raceId: string;
  orderId: string;
  actorId: string;
  amountMinor?: number;
  expectedRefundedMinor?: number;
}) {
  const order = await loadOrder(raceId, orderId);
  refuseUnpaid(order);
  const basis = expectedRefundedMinor ?? order.refundedMinor;
  if (!Number.isInteger(basis) || basis < 0 || basis > order.totalMinor) throw new RefundError("The page was out of date. Reload it and try again.", "invalid");
  const refundable = order.totalMinor - basis;
  const money = (minor: number) => formatMoney(minor, order.currency);
  const full = amountMinor === undefined;
  const validTickets = order.tickets.filter((t) => t.status === "ISSUED");
  if (full && refundable === 0 && validTickets.length === 0) throw new RefundError("This order has already been fully refunded.", "conflict");
  if (!full) {
    if (!Number.isInteger(amountMinor) || amountMinor <= 0) throw new RefundError("Enter an amount greater than zero, or leave it empty to refund everything.", "invalid");
    if (refundable === 0) throw new RefundError("Nothing is left to refund on this order.", "conflict");
    if (amountMinor > refundable) {
      throw new RefundError(`You can refund at most ${money(refundable)} on this order (${money(order.totalMinor)} paid, ${money(basis)} already refunded).`, "invalid");
    }
  }
  const amount = full ? refundable : amountMinor;
  return applyRefund({
    order,
    amountMinor: amount,
    basisRefundedMinor: basis,
    tickets: full ? "all" : "none",
    idempotencyKey: `startline-refund-order-${orderId}-${basis}-${amount}${full ? "-full" : ""}`,
    actorId,
    audit: { action: "order.refunded", entityType: "order", entityId: orderId, details: { kind: full ? "full" : "partial" } },
    email: orderRefundedEmail({ buyerName: order.buyerName, orderId, raceName: order.race.name, full, amount: amount > 0 ? money(amount) : null }),
    stripeMetadata: { orderId },
  });
}
