import { Prisma, type OrderStatus } from "@prisma/client";
import type { EmailContent } from "~/emails/email";
import { db, type Db } from "~/utils/db.server";
import { formatMoney } from "~/lib/money";
import { statusAfterRefund } from "~/lib/refund-rules";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { offerFreedPlacesSoon } from "./waitlist-offers.server";
import { createStripeRefund, RefundError, type StripeRefundResult } from "./stripe-refunds.server";

/** Orders whose money can (still) be given back. */
export const REFUNDABLE_STATUSES: OrderStatus[] = ["PAID", "PARTIALLY_REFUNDED"];

/**
 * Remembers a Stripe refund and the tickets it cancelled, so that a later failure can be undone; a replay keeps the
 * first record. A refund Stripe has since reported as failed is refused: a late or retried request (whose Stripe answer
 * is replayed as it first was) must not apply it, and the throw rolls the caller's transaction back.
 */
export async function recordOrderRefund(tx: Db, orderId: string, amountMinor: number, refund: StripeRefundResult, ticketIds: string[]) {
  const known = await tx.orderRefund.findUnique({ where: { stripeRefundId: refund.stripeRefundId }, select: { revertedAt: true, failureReason: true } });
  if (known?.revertedAt) throw new RefundError(`Stripe reported this refund as failed (${known.failureReason ?? "no reason given"}); nothing was refunded.`, "conflict");
  if (known) return;
  await tx.orderRefund.create({
    data: {
      orderId,
      stripeRefundId: refund.stripeRefundId,
      amountMinor,
      status: refund.status,
      ticketIds,
      transferReversalId: refund.transferReversal?.id ?? null,
      transferReversedMinor: refund.transferReversal?.amountMinor ?? null,
      applicationFeeRefundedMinor: refund.applicationFeeRefundedMinor,
    },
  });
}

/** What an audit entry says about the Stripe side of a refund. */
export function stripeAuditDetails(refund: StripeRefundResult | null) {
  return {
    stripeRefundId: refund?.stripeRefundId ?? null,
    ...(refund?.transferReversal ? { transferReversedMinor: refund.transferReversal.amountMinor, applicationFeeRefundedMinor: refund.applicationFeeRefundedMinor } : {}),
  };
}

/** Refund transactions lock capacity rows: wait a little for them, never hold them long. */
export const REFUND_TRANSACTION = { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 15_000 };

export type LockedOrder = { id: string; status: OrderStatus; totalMinor: number; refundedMinor: number; paidAt: Date | null };

/** Locks the order's ticket types (id order, as reservations do) and then the order row itself. */
export async function lockOrderForRefund(tx: Db, { id: orderId, tickets }: { id: string; tickets: { ticketTypeId: string }[] }) {
  const ids = [...new Set(tickets.map((t) => t.ticketTypeId))].sort();
  if (ids.length) await tx.$queryRaw`SELECT id FROM "TicketType" WHERE id IN (${Prisma.join(ids)}) ORDER BY id FOR UPDATE`;
  const [order] = await tx.$queryRaw<LockedOrder[]>`
    SELECT id, status, "totalMinor", "refundedMinor", "paidAt" FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
  if (!order) throw new RefundError("This order no longer exists.", "not_found");
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

/** What every refund of an order reads of it. */
export const orderForRefund = {
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

export type OrderForRefund = Prisma.OrderGetPayload<{ select: typeof orderForRefund }>;

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
  /** Who asked for it; null when Startline refunds on its own (a cancelled race). */
  actorId: string | null;
  audit: { action: "order.refunded" | "ticket.refunded"; entityType: "order" | "ticket"; entityId: string; details: Record<string, Prisma.InputJsonValue> };
  /** The buyer's email about it. */
  email: EmailContent;
  stripeMetadata: Record<string, string>;
};

/**
 * Money first, database second. The Stripe call carries a deterministic idempotency key, so a retry
 * (or a double click) gets Stripe's original answer instead of a second refund. The transaction then
 * brings the order up to what Stripe reports as refunded (never down), so it is safe when the
 * `charge.refunded` webhook got there first, or when a crash between the two made the organiser retry.
 */
export async function applyRefund(args: ApplyArgs): Promise<RefundOutcome> {
  const { order, amountMinor } = args;
  const stripeRefund = await createStripeRefund({
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
    if (stripeRefund) return Math.max(lockedRefundedMinor, stripeRefund.chargeRefundedMinor ?? args.basisRefundedMinor + amountMinor);
    if (Array.isArray(args.tickets)) return releasedTickets ? lockedRefundedMinor + amountMinor : lockedRefundedMinor;
    return lockedRefundedMinor === args.basisRefundedMinor ? lockedRefundedMinor + amountMinor : lockedRefundedMinor;
  };
  const result = await db.$transaction(
    async (tx) => {
      const locked = await lockOrderForRefund(tx, order);
      const alreadyMade = !stripeRefund && !Array.isArray(args.tickets) && locked.refundedMinor !== args.basisRefundedMinor;
      const released = alreadyMade || args.tickets === "none" ? [] : await releaseTickets(tx, order.id, args.tickets);
      if (stripeRefund) await recordOrderRefund(tx, order.id, amountMinor, stripeRefund, released);
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
          ...stripeAuditDetails(stripeRefund),
        },
      });
      const email = await recordEmail({ userId: order.buyerId ?? undefined, to: order.buyerEmail, ...args.email }, tx);
      return { applied, refundedMinor, status, emailId: email.id };
    },
    REFUND_TRANSACTION,
  );
  if (result.applied) {
    if (result.emailId) await sendQueued(result.emailId, { receipt: true });
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
    // Refunded and cancelled tickets gave their places back: a waiting list offers them (ADR 0070).
    await offerFreedPlacesSoon(order.raceId);
  }
  return {
    applied: result.applied,
    orderId: order.id,
    amountMinor,
    currency: order.currency,
    refundedMinor: result.refundedMinor,
    status: result.status,
    stripeRefundId: stripeRefund?.stripeRefundId ?? null,
  };
}
