import { Prisma, type OrderStatus } from "@prisma/client";
import { escapeHtml } from "~/utils/html";
import type Stripe from "stripe";
import { db, type Db } from "~/utils/db.server";
import { formatMoney } from "~/utils/money";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { statusAfterRefund } from "./refund-rules";

export class RefundError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 502 = 409,
  ) {
    super(message);
    this.name = "RefundError";
  }
}

/** Orders whose money can (still) be given back. */
const REFUNDABLE_STATUSES: OrderStatus[] = ["PAID", "PARTIALLY_REFUNDED"];

/**
 * Sends money back through Stripe. The charge is expanded so that we learn how much of it Stripe has
 * refunded in total (this refund included): the database is brought up to that, never past it.
 * Without Stripe (demo mode) or without a payment intent (free order) nothing is called.
 */
async function refundThroughStripe(args: {
  paymentIntentId: string | null;
  amountMinor: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}): Promise<{ stripeRefundId: string | null; chargeRefundedMinor: number | null }> {
  const stripe = stripeClient();
  if (!stripe || !args.paymentIntentId || args.amountMinor === 0) return { stripeRefundId: null, chargeRefundedMinor: null };
  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(
      { payment_intent: args.paymentIntentId, amount: args.amountMinor, metadata: args.metadata, expand: ["charge"] },
      { idempotencyKey: args.idempotencyKey },
    );
  } catch (error) {
    if (isStripeApiError(error)) {
      if (error.type === "StripeIdempotencyError") {
        throw new RefundError("This refund is already being made (was it submitted twice?). Reload the page in a moment to see it.", 409);
      }
      if (error.type === "StripeInvalidRequestError") {
        const reason = error.message.replace(/\.$/, "");
        throw new RefundError(`Stripe refused the refund: ${reason}. If money was refunded in Stripe's dashboard, reload the page in a moment to see it.`, 409);
      }
      // The request may or may not have reached Stripe; the idempotency key makes trying again safe.
      throw new RefundError(`Stripe did not confirm the refund (${error.message}). Try again in a moment: the same refund is never made twice.`, 502);
    }
    throw error;
  }
  if (refund.status === "failed" || refund.status === "canceled") {
    throw new RefundError(`Stripe could not refund this payment (${refund.failure_reason ?? refund.status}).`, 409);
  }
  const charge = typeof refund.charge === "object" && refund.charge ? refund.charge : null;
  return { stripeRefundId: refund.id, chargeRefundedMinor: charge ? charge.amount_refunded : null };
}

type LockedOrder = { id: string; status: OrderStatus; totalMinor: number; refundedMinor: number };

/** Locks the order's ticket types (id order, as reservations do) and then the order row itself. */
async function lockOrderForRefund(tx: Db, orderId: string, ticketTypeIds: string[]) {
  const ids = [...new Set(ticketTypeIds)].sort();
  if (ids.length) await tx.$queryRaw`SELECT id FROM "TicketType" WHERE id IN (${Prisma.join(ids)}) ORDER BY id FOR UPDATE`;
  const [order] = await tx.$queryRaw<LockedOrder[]>`
    SELECT id, status, "totalMinor", "refundedMinor" FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
  if (!order) throw new RefundError("This order no longer exists.", 404);
  return order;
}

/** Marks tickets REFUNDED and gives their places back; only tickets still ISSUED are touched. */
async function releaseTickets(tx: Db, orderId: string, ticketIds: string[] | "all") {
  const tickets = await tx.ticket.findMany({
    where: { orderId, status: "ISSUED", ...(ticketIds === "all" ? {} : { id: { in: ticketIds } }) },
    select: { id: true, ticketTypeId: true },
  });
  if (tickets.length === 0) return [];
  await tx.ticket.updateMany({ where: { id: { in: tickets.map((t) => t.id) }, status: "ISSUED" }, data: { status: "REFUNDED" } });
  const perType = new Map<string, number>();
  for (const { ticketTypeId } of tickets) perType.set(ticketTypeId, (perType.get(ticketTypeId) ?? 0) + 1);
  for (const [ticketTypeId, count] of perType) {
    await tx.ticketType.update({ where: { id: ticketTypeId }, data: { soldCount: { decrement: count } } });
  }
  return tickets.map((t) => t.id);
}

const orderForRefund = {
  id: true,
  raceId: true,
  status: true,
  currency: true,
  totalMinor: true,
  refundedMinor: true,
  buyerId: true,
  buyerEmail: true,
  buyerName: true,
  stripePaymentIntentId: true,
  race: { select: { name: true, organisationId: true } },
  tickets: { select: { id: true, ticketTypeId: true, status: true, priceMinor: true, participant: { select: { firstName: true, lastName: true } } } },
} satisfies Prisma.OrderSelect;

type OrderForRefund = Prisma.OrderGetPayload<{ select: typeof orderForRefund }>;

async function loadOrder(raceId: string, orderId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, raceId }, select: orderForRefund });
  if (!order) throw new RefundError("This order does not belong to this race.", 404);
  return order;
}

export type RefundOutcome = {
  /** false when this exact refund had already been applied (a double click, a retried request). */
  applied: boolean;
  orderId: string;
  amountMinor: number;
  currency: string;
  refundedMinor: number;
  status: OrderStatus;
  stripeRefundId: string | null;
};

type ApplyArgs = {
  order: OrderForRefund;
  amountMinor: number;
  /** The order's refundedMinor the refund was decided on. */
  basisRefundedMinor: number;
  tickets: string[] | "all" | "none";
  idempotencyKey: string;
  actorId: string;
  audit: { action: "order.refunded" | "ticket.refunded"; entityType: "order" | "ticket"; entityId: string; details: Record<string, Prisma.InputJsonValue> };
  email: { subject: string; lines: string[] };
  stripeMetadata: Record<string, string>;
};

/**
 * Money first, database second. The Stripe call carries a deterministic idempotency key, so a retry
 * (or a double click) gets Stripe's original answer instead of a second refund. The transaction then
 * brings the order up to what Stripe reports as refunded (never down), so it is safe when the
 * `charge.refunded` webhook got there first, or when a crash between the two made the organiser retry.
 */
async function applyRefund(args: ApplyArgs): Promise<RefundOutcome> {
  const { order, amountMinor } = args;
  const stripeRefund = await refundThroughStripe({
    paymentIntentId: order.stripePaymentIntentId,
    amountMinor,
    idempotencyKey: args.idempotencyKey,
    metadata: args.stripeMetadata,
  });
  const money = formatMoney(amountMinor, order.currency);
  /**
   * Stripe's total for the charge when Stripe made the refund. Without Stripe, the refund counts once:
   * a ticket refund when its ticket was still issued, an order refund when the order was still as the
   * organiser saw it (otherwise this same refund was just made by an earlier submit).
   */
  const refundedAfter = (lockedRefundedMinor: number, releasedTickets: boolean) => {
    if (stripeRefund.stripeRefundId) return Math.max(lockedRefundedMinor, stripeRefund.chargeRefundedMinor ?? args.basisRefundedMinor + amountMinor);
    if (Array.isArray(args.tickets)) return releasedTickets ? lockedRefundedMinor + amountMinor : lockedRefundedMinor;
    return lockedRefundedMinor === args.basisRefundedMinor ? lockedRefundedMinor + amountMinor : lockedRefundedMinor;
  };
  const result = await db.$transaction(
    async (tx) => {
      const locked = await lockOrderForRefund(
        tx,
        order.id,
        order.tickets.map((t) => t.ticketTypeId),
      );
      const alreadyMade = !stripeRefund.stripeRefundId && !Array.isArray(args.tickets) && locked.refundedMinor !== args.basisRefundedMinor;
      const released = alreadyMade || args.tickets === "none" ? [] : await releaseTickets(tx, order.id, args.tickets);
      const refundedMinor = Math.min(locked.totalMinor, refundedAfter(locked.refundedMinor, released.length > 0));
      const validTickets = await tx.ticket.count({ where: { orderId: order.id, status: "ISSUED" } });
      const status = statusAfterRefund(locked.totalMinor, refundedMinor, validTickets);
      const applied = refundedMinor !== locked.refundedMinor || released.length > 0;
      if (!applied) return { applied, refundedMinor, status: locked.status, emailId: null };
      await tx.order.update({ where: { id: order.id }, data: { refundedMinor, status } });
      await recordAudit(tx, {
        organisationId: order.race.organisationId,
        raceId: order.raceId,
        actorId: args.actorId,
        action: args.audit.action,
        entityType: args.audit.entityType,
        entityId: args.audit.entityId,
        changes: {
          ...args.audit.details,
          orderId: order.id,
          amountMinor,
          currency: order.currency,
          refundedMinor: { from: locked.refundedMinor, to: refundedMinor },
          status: { from: locked.status, to: status },
          ticketsRefunded: released,
          stripeRefundId: stripeRefund.stripeRefundId,
        },
      });
      const email = await recordEmail(
        {
          ...(order.buyerId ? { userId: order.buyerId } : {}),
          kind: "refund",
          to: order.buyerEmail,
          subject: args.email.subject,
          text: [`Hello ${order.buyerName},`, "", ...args.email.lines, "", `Order reference: ${order.id}`].join("\n"),
          html: [`<p>Hello ${escapeHtml(order.buyerName)},</p>`, ...args.email.lines.map((line) => `<p>${escapeHtml(line)}</p>`), `<p>Order reference: ${order.id}</p>`].join(""),
        },
        tx,
      );
      return { applied, refundedMinor, status, emailId: email.id };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 15_000 },
  );
  if (result.applied) {
    if (result.emailId) await sendQueued(result.emailId);
    if (order.buyerId) {
      await notify({
        userId: order.buyerId,
        kind: "refund",
        title: "Refund issued",
        body: amountMinor > 0 ? `${money} is on its way back to you for ${order.race.name}.` : `A ticket of your order for ${order.race.name} was cancelled.`,
        href: `/orders/${order.id}`,
        dedupeKey: `refund:${args.idempotencyKey}`,
      });
    }
    await announceOrderChange(order.id);
    await announceSale(order.raceId);
  }
  return {
    applied: result.applied,
    orderId: order.id,
    amountMinor,
    currency: order.currency,
    refundedMinor: result.refundedMinor,
    status: result.status,
    stripeRefundId: stripeRefund.stripeRefundId,
  };
}


const settlementNote = "Refunds to a card usually show on the statement within 5–10 working days.";

function refuseUnpaid(order: OrderForRefund) {
  if (order.status === "REFUNDED") return;
  if (!REFUNDABLE_STATUSES.includes(order.status)) {
    throw new RefundError(`Only paid orders can be refunded; this order is ${order.status.toLowerCase().replace("_", " ")}.`, 409);
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
  if (!ticket) throw new RefundError("This ticket does not belong to this race.", 404);
  const order = await loadOrder(raceId, ticket.orderId);
  refuseUnpaid(order);
  const target = order.tickets.find((t) => t.id === ticketId)!;
  if (target.status === "REFUNDED") throw new RefundError("This ticket has already been refunded.", 409);
  if (target.status !== "ISSUED") throw new RefundError("Only issued tickets can be refunded; this one was never paid for.", 409);
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
    email: {
      subject: amountMinor > 0 ? `Refund of ${money} for ${order.race.name}` : `Ticket cancelled for ${order.race.name}`,
      lines: [
        `The organiser of ${order.race.name} has cancelled the ticket of ${holder}.`,
        amountMinor > 0 ? `We have refunded ${money} to the payment method you used. ${settlementNote}` : "No further money is due back on this order.",
      ],
    },
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
  if (!Number.isInteger(basis) || basis < 0 || basis > order.totalMinor) throw new RefundError("The page was out of date. Reload it and try again.", 400);
  const refundable = order.totalMinor - basis;
  const money = (minor: number) => formatMoney(minor, order.currency);
  const full = amountMinor === undefined;
  const validTickets = order.tickets.filter((t) => t.status === "ISSUED");
  if (full && refundable === 0 && validTickets.length === 0) throw new RefundError("This order has already been fully refunded.", 409);
  if (!full) {
    if (!Number.isInteger(amountMinor) || amountMinor <= 0) throw new RefundError("Enter an amount greater than zero, or leave it empty to refund everything.", 400);
    if (refundable === 0) throw new RefundError("Nothing is left to refund on this order.", 409);
    if (amountMinor > refundable) {
      throw new RefundError(`You can refund at most ${money(refundable)} on this order (${money(order.totalMinor)} paid, ${money(basis)} already refunded).`, 400);
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
    email: {
      subject: amount > 0 ? `Refund of ${money(amount)} for ${order.race.name}` : `Tickets cancelled for ${order.race.name}`,
      lines: [
        full
          ? `The organiser of ${order.race.name} has refunded your order in full; its tickets are cancelled.`
          : `The organiser of ${order.race.name} has refunded part of your order; your tickets stay valid.`,
        amount > 0 ? `We have refunded ${money(amount)} to the payment method you used. ${settlementNote}` : "No further money is due back on this order.",
      ],
    },
    stripeMetadata: { orderId },
  });
}

/**
 * Gives a payment back without touching tickets (the caller's business): used when a payment arrives
 * after its hold expired. The order ends REFUNDED with refundedMinor = amount. Safe to call twice with
 * the same idempotency key.
 * With `paymentIntentId`, the payment refunded is that one, which the order did not accept (a stale or
 * mismatched Checkout Session, ADR 0023): the money goes back and the order is left as it is.
 */
export async function refundPayment({ orderId, amountMinor, reason, idempotencyKey, paymentIntentId }: { orderId: string; amountMinor: number; reason: string; idempotencyKey: string; paymentIntentId?: string | null }) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { id: true, raceId: true, stripePaymentIntentId: true, race: { select: { organisationId: true } } } });
  if (!order) throw new RefundError("This order does not exist.", 404);
  if (!Number.isInteger(amountMinor) || amountMinor < 0) throw new RefundError("A refund amount is a whole number of minor units.", 400);
  const rejectedPayment = paymentIntentId !== undefined;
  const stripeRefund = await refundThroughStripe({
    paymentIntentId: rejectedPayment ? paymentIntentId : order.stripePaymentIntentId,
    amountMinor,
    idempotencyKey,
    metadata: { orderId, reason },
  });
  if (rejectedPayment) return { applied: stripeRefund.stripeRefundId !== null, stripeRefundId: stripeRefund.stripeRefundId };
  const applied = await db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<LockedOrder[]>`SELECT id, status, "totalMinor", "refundedMinor" FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
    if (!locked || (locked.status === "REFUNDED" && locked.refundedMinor >= amountMinor)) return false;
    const refundedMinor = Math.max(locked.refundedMinor, amountMinor);
    await tx.order.update({ where: { id: orderId }, data: { status: "REFUNDED", refundedMinor } });
    await recordAudit(tx, {
      organisationId: order.race.organisationId,
      raceId: order.raceId,
      actorId: null,
      action: "order.refunded",
      entityType: "order",
      entityId: orderId,
      changes: { kind: "automatic", reason, amountMinor, refundedMinor: { from: locked.refundedMinor, to: refundedMinor }, status: { from: locked.status, to: "REFUNDED" }, stripeRefundId: stripeRefund.stripeRefundId },
    });
    return true;
  });
  if (applied) {
    await announceOrderChange(orderId);
    await announceSale(order.raceId);
  }
  return { applied, stripeRefundId: stripeRefund.stripeRefundId };
}

/**
 * `charge.refunded`: Stripe's total of what was refunded on the charge is the truth for money. The
 * order is brought up to it (never down, so events in any order and replays change nothing more);
 * refunds made in Stripe's dashboard thereby show up. Tickets are left alone: cancelling a ticket is
 * the organiser's decision in Startline.
 */
export async function handleChargeRefunded(event: Stripe.ChargeRefundedEvent) {
  const charge = event.data.object;
  const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntentId) return { ignored: "the charge has no payment intent" };
  const order = await db.order.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: { id: true, raceId: true, race: { select: { organisationId: true } } } });
  if (!order) return { ignored: `no order uses ${paymentIntentId}` };
  const result = await db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<LockedOrder[]>`SELECT id, status, "totalMinor", "refundedMinor" FROM "Order" WHERE id = ${order.id} FOR UPDATE`;
    if (!locked) return { changed: false };
    const refundedMinor = Math.min(locked.totalMinor, Math.max(locked.refundedMinor, charge.amount_refunded));
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
      changes: { stripeEventId: event.id, refundedMinor: { from: locked.refundedMinor, to: refundedMinor }, status: { from: locked.status, to: status } },
    });
    return { changed: true, refundedMinor, status };
  });
  if (result.changed) {
    await announceOrderChange(order.id);
    await announceSale(order.raceId);
  }
  return { orderId: order.id, ...result };
}

/** What the organiser's refund section shows for an order of their race; null for another race's order. */
export async function orderRefundSummary(raceId: string, orderId: string) {
  const order = await db.order.findFirst({
    where: { id: orderId, raceId },
    select: { id: true, status: true, currency: true, totalMinor: true, refundedMinor: true, stripePaymentIntentId: true },
  });
  if (!order) return null;
  const { stripePaymentIntentId, ...fields } = order;
  const canRefund = REFUNDABLE_STATUSES.includes(order.status);
  return {
    ...fields,
    refundableMinor: canRefund ? order.totalMinor - order.refundedMinor : 0,
    throughStripe: Boolean(stripePaymentIntentId) && stripeClient() !== null,
    canRefund,
  };
}
