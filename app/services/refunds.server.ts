import { Prisma, type OrderStatus } from "@prisma/client";
import { escapeHtml } from "~/lib/html";
import type Stripe from "stripe";
import { db, type Db } from "~/utils/db.server";
import { formatMoney } from "~/lib/money";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";
import { raiseAlert } from "./alerts.server";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { statusAfterFailedRefund, statusAfterRefund } from "~/lib/refund-rules";
import { lockRaceForSale, lockTicketTypes } from "./reservations.server";

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

/** What Stripe made of a refund: its id and status, the charge's refunded total, and for a destination charge what came back from the organiser. */
export type StripeRefundResult = {
  stripeRefundId: string;
  status: string;
  /** Everything refunded on the charge once this refund was made (this one included). */
  chargeRefundedMinor: number | null;
  /** Taken back from the organiser's transfer for this refund (destination charges). */
  transferReversal: { id: string; amountMinor: number } | null;
  /** The platform fee returned on this charge so far (destination charges with a fee). */
  applicationFeeRefundedMinor: number | null;
};

function idOf(value: string | { id: string } | null | undefined) {
  return typeof value === "string" ? value : (value?.id ?? null);
}

/**
 * Is this payment a Connect destination charge? Stripe's PaymentIntent says (`transfer_data.destination`), not our own
 * records: the organisation's account can change after a payment, and a refund must follow the charge as it was made.
 */
async function connectRefundParams(stripe: Stripe, paymentIntentId: string): Promise<Pick<Stripe.RefundCreateParams, "reverse_transfer" | "refund_application_fee">> {
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  // The organiser got the money, so the organiser pays it back (in proportion for a partial refund) and the platform
  // returns its fee in the same proportion; without these flags Stripe takes the whole refund from the platform.
  return intent.transfer_data?.destination ? { reverse_transfer: true, refund_application_fee: true } : {};
}

/**
 * The one place Startline creates Stripe refunds. Destination charges are refunded with `reverse_transfer` and
 * `refund_application_fee`, so every caller (organiser refunds, late payments, cancellations) makes the organiser pay.
 * The charge is expanded so that we learn how much of it Stripe has refunded in total (this refund included): the
 * database is brought up to that, never past it. Returns null without Stripe (demo mode), without a payment intent
 * (free order) or for nothing to refund.
 */
export async function createStripeRefund(args: {
  paymentIntentId: string | null;
  amountMinor: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}): Promise<StripeRefundResult | null> {
  const stripe = stripeClient();
  if (!stripe || !args.paymentIntentId || args.amountMinor === 0) return null;
  let refund: Stripe.Refund;
  try {
    const connect = await connectRefundParams(stripe, args.paymentIntentId);
    refund = await stripe.refunds.create(
      {
        payment_intent: args.paymentIntentId,
        amount: args.amountMinor,
        metadata: args.metadata,
        ...connect,
        expand: connect.reverse_transfer ? ["charge.application_fee", "transfer_reversal"] : ["charge"],
      },
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
  const fee = charge && typeof charge.application_fee === "object" && charge.application_fee ? charge.application_fee : null;
  const reversal = typeof refund.transfer_reversal === "object" && refund.transfer_reversal ? refund.transfer_reversal : null;
  return {
    stripeRefundId: refund.id,
    status: refund.status ?? "pending",
    chargeRefundedMinor: charge ? charge.amount_refunded : null,
    transferReversal: reversal ? { id: reversal.id, amountMinor: reversal.amount } : null,
    applicationFeeRefundedMinor: fee ? fee.amount_refunded : null,
  };
}

/**
 * What Stripe has refunded on a payment now: every refund that has not failed or been cancelled. Read fresh (events
 * arrive late and out of order); without Stripe, the event's own figure.
 */
export async function refundedOnStripe(paymentIntentId: string, eventFigure: number) {
  const stripe = stripeClient();
  if (!stripe) return eventFigure;
  let total = 0;
  for await (const refund of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
    if (refund.status !== "failed" && refund.status !== "canceled") total += refund.amount;
  }
  return total;
}

/**
 * Remembers a Stripe refund and the tickets it cancelled, so that a later failure can be undone; a replay keeps the
 * first record. A refund Stripe has since reported as failed is refused: a late or retried request (whose Stripe answer
 * is replayed as it first was) must not apply it, and the throw rolls the caller's transaction back.
 */
async function recordOrderRefund(tx: Db, orderId: string, amountMinor: number, refund: StripeRefundResult, ticketIds: string[]) {
  const known = await tx.orderRefund.findUnique({ where: { stripeRefundId: refund.stripeRefundId }, select: { revertedAt: true, failureReason: true } });
  if (known?.revertedAt) throw new RefundError(`Stripe reported this refund as failed (${known.failureReason ?? "no reason given"}); nothing was refunded.`, 409);
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
function stripeAuditDetails(refund: StripeRefundResult | null) {
  return {
    stripeRefundId: refund?.stripeRefundId ?? null,
    ...(refund?.transferReversal ? { transferReversedMinor: refund.transferReversal.amountMinor, applicationFeeRefundedMinor: refund.applicationFeeRefundedMinor } : {}),
  };
}

/** Refund transactions lock capacity rows: wait a little for them, never hold them long. */
const REFUND_TRANSACTION = { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 15_000 };

type LockedOrder = { id: string; status: OrderStatus; totalMinor: number; refundedMinor: number; paidAt: Date | null };

/** Locks the order's ticket types (id order, as reservations do) and then the order row itself. */
async function lockOrderForRefund(tx: Db, { id: orderId, tickets }: { id: string; tickets: { ticketTypeId: string }[] }) {
  const ids = [...new Set(tickets.map((t) => t.ticketTypeId))].sort();
  if (ids.length) await tx.$queryRaw`SELECT id FROM "TicketType" WHERE id IN (${Prisma.join(ids)}) ORDER BY id FOR UPDATE`;
  const [order] = await tx.$queryRaw<LockedOrder[]>`
    SELECT id, status, "totalMinor", "refundedMinor", "paidAt" FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
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

/** An email about an order: a greeting, the lines, and the order's reference (recorded in the caller's transaction). */
function recordOrderEmail(tx: Db, orderId: string, email: { userId: string | null; kind: string; to: string; name: string; subject: string; lines: string[] }) {
  return recordEmail(
    {
      ...(email.userId ? { userId: email.userId } : {}),
      kind: email.kind,
      to: email.to,
      subject: email.subject,
      text: [`Hello ${email.name},`, "", ...email.lines, "", `Order reference: ${orderId}`].join("\n"),
      html: [`<p>Hello ${escapeHtml(email.name)},</p>`, ...email.lines.map((line) => `<p>${escapeHtml(line)}</p>`), `<p>Order reference: ${orderId}</p>`].join(""),
    },
    tx,
  );
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
  /** Who asked for it; null when Startline refunds on its own (a cancelled race). */
  actorId: string | null;
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
      const email = await recordOrderEmail(tx, order.id, { userId: order.buyerId, kind: "refund", to: order.buyerEmail, name: order.buyerName, subject: args.email.subject, lines: args.email.lines });
      return { applied, refundedMinor, status, emailId: email.id };
    },
    REFUND_TRANSACTION,
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
    stripeRefundId: stripeRefund?.stripeRefundId ?? null,
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
 * A race was cancelled: everything left on this order goes back and every valid ticket is cancelled, with no one
 * asking for it (the job of the cancellation). The key is the order's and the amount's, so a retried job replays
 * Stripe's answer. Throws a plain error (retried) while the order's checkout is still open or its payment is being
 * recorded; `paid: false` when the checkout ended without payment.
 */
export async function refundOrderOfCancelledRace(orderId: string) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: orderForRefund });
  if (!order) throw new RefundError("This order no longer exists.", 404);
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
    email: {
      subject: refundable > 0 ? `${order.race.name} is cancelled: ${money} refunded` : `${order.race.name} is cancelled`,
      lines: [
        `The organiser has cancelled ${order.race.name}, so your tickets for it are cancelled.`,
        refundable > 0 ? `We have refunded ${money}, everything you paid, to the payment method you used. ${settlementNote}` : "There was nothing to pay back on this order.",
      ],
    },
    stripeMetadata: { orderId, reason: "race_cancelled" },
  });
  return { paid, applied: outcome.applied, amountMinor: outcome.amountMinor };
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
  const order = await db.order.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: { id: true, raceId: true, race: { select: { organisationId: true } } } });
  if (!order) return null;
  const onStripe = await refundedOnStripe(paymentIntentId, charge.amount_refunded);
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

/**
 * The refund as Stripe has it now (the event's copy may be older than another event already handled); null without
 * Stripe, where no refund can change status because none went through Stripe.
 */
export async function currentRefund(snapshot: Stripe.Refund) {
  const stripe = stripeClient();
  return stripe ? await stripe.refunds.retrieve(snapshot.id) : null;
}

export const refundFailed = (refund: Pick<Stripe.Refund, "status">) => refund.status === "failed" || refund.status === "canceled";

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
      const lines = [
        `A refund of ${money} to ${order.buyerName} (${order.buyerEmail}) for ${order.race.name} failed: ${failure.replaceAll("_", " ")}. The money was not returned${status === "PAID" ? ", so the order counts as paid again" : ""} (${formatMoney(refundedMinor, order.currency)} refunded now).`,
        kept.reinstated.length ? `Tickets issued again: ${kept.reinstated.join(", ")}.` : null,
        kept.placeTaken.length
          ? `Not reinstated because their places have been sold again: ${kept.placeTaken.join(", ")}. Raise the capacity and contact the buyer, or refund them another way.`
          : null,
        kept.raceCancelled.length ? `Not reinstated because the race is cancelled: ${kept.raceCancelled.join(", ")}. Refund the order again, or pay the buyer back another way.` : null,
        "Contact the buyer about another way to pay them back, or refund again from the participant's page.",
      ].filter((line): line is string => line !== null);
      const managers = await organisationManagers(tx, order.race.organisationId);
      const emails = [];
      for (const manager of managers) {
        emails.push(
          await recordOrderEmail(tx, order.id, { userId: manager.userId, kind: "refund_failed", to: manager.user.email, name: manager.user.name, subject: `A refund failed: ${order.race.name}`, lines }),
        );
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
