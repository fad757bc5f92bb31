import { createHash } from "node:crypto";
import type { Prisma } from "@prisma/client";
import Stripe from "stripe";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { stripeClient } from "~/utils/stripe.server";
import { CheckoutError, incompleteTickets, pendingOrder, requireOpen } from "./checkout.server";
import { demoPaymentRefusal, postDemoSessionCompleted } from "./demo-payments.server";
import { fulfilOrder, isUnfulfilled, type FulfilmentResult, type SessionPayment } from "./fulfilment.server";
import { refundUnfulfilledPayment, rejectPayment } from "./payment-refunds.server";
import { platformFeeFor } from "./payouts.server";
import { releaseOrder } from "./hold-releases.server";

/** Stripe refuses Checkout Sessions that expire sooner than 30 minutes from now. */
const STRIPE_MIN_SESSION_MS = 30 * 60_000 + 60_000;

/**
 * Sends a complete, pending order to payment: free orders are fulfilled at once; otherwise a Stripe
 * Checkout Session (or, without Stripe, the demo payment page). The hold is stretched to Stripe's minimum
 * session life if needed so the session and the hold end together.
 */
/** Which forms still stop payment: the buyer's own to fill, and room members' they are waiting for. */
function missingFormsMessage(missing: { position: number; assigneeName: string | null }[]) {
  const own = missing.filter((t) => !t.assigneeName).map((t) => t.position);
  const waiting = missing.filter((t) => t.assigneeName).map((t) => `${t.assigneeName} (participant ${t.position})`);
  return [
    own.length ? `Fill in and sign for participant ${own.join(", ")} before paying.` : null,
    waiting.length ? `Waiting for ${waiting.join(", ")} to fill in and sign their form.` : null,
  ]
    .filter(Boolean)
    .join(" ");
}

export async function startPayment({ orderId, buyerId }: { orderId: string; buyerId: string }) {
  await pendingOrder(orderId, buyerId);
  const missing = await incompleteTickets(orderId);
  if (missing.length) throw new CheckoutError(missingFormsMessage(missing), "form", "invalid");
  const { totalMinor } = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { totalMinor: true } });
  if (totalMinor === 0) {
    const { outcome } = await fulfilOrder({ orderId, free: true });
    if (outcome === "rejected") throw new CheckoutError("The total changed while you were paying. Check it and try again.", "form", "conflict");
    if (outcome === "race_cancelled") throw new CheckoutError("This race has been cancelled, so it takes no more registrations.", "form", "conflict");
    return { redirectTo: `/orders/${orderId}` };
  }
  const stripe = stripeClient();
  if (!stripe) {
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: holdSelect });
    await db.order.update({ where: { id: orderId }, data: { holdExpiresAt: stretchedHold(order) } });
    return { redirectTo: `/checkout/${orderId}/demo-pay` };
  }
  // The order row stays locked while Stripe is asked, so a code applied in another tab (which expires the
  // session it replaces under the same lock) cannot leave a session open for an old total.
  return db.$transaction((tx) => checkoutSessionFor(tx, stripe, orderId), { timeout: 30_000, maxWait: 10_000 });
}

/**
 * Where to pay the pending order: its Checkout Session while that is open (every change of the total
 * expires and forgets it, so one still here is for this total), or a new session for the current total.
 */
async function checkoutSessionFor(tx: Prisma.TransactionClient, stripe: Stripe, orderId: string) {
  await tx.$queryRaw`SELECT id FROM "Order" WHERE id = ${orderId} FOR UPDATE`;
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      id: true,
      status: true,
      currency: true,
      totalMinor: true,
      taxMinor: true,
      discountMinor: true,
      subtotalMinor: true,
      buyerEmail: true,
      holdExpiresAt: true,
      createdAt: true,
      stripeSessionId: true,
      checkoutSessionCount: true,
      race: { select: { name: true, holdMinutes: true, organisationId: true, taxMode: true, organisation: { select: { stripeAccountId: true, chargesEnabled: true } } } },
      tickets: { where: { status: "HELD" }, orderBy: { createdAt: "asc" }, select: { id: true, priceMinor: true, ticketType: { select: { name: true } }, participant: { select: { firstName: true, lastName: true } } } },
    },
  });
  requireOpen(order, new Date());
  if (order.stripeSessionId) {
    const current = await stripe.checkout.sessions.retrieve(order.stripeSessionId);
    if (current.status === "open" && current.url) return { redirectTo: current.url };
    if (current.status === "complete") return { redirectTo: `/orders/${order.id}` };
  }
  const expiresAt = stretchedHold(order);
  const sessionCanExpireWithHold = expiresAt.getTime() >= Date.now() + 30 * 60_000;

  const lineItems = ticketLineItems(order);
  const connect = order.race.organisation.chargesEnabled && order.race.organisation.stripeAccountId;
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: "payment",
    client_reference_id: order.id,
    customer_email: order.buyerEmail,
    line_items: lineItems,
    metadata: { orderId: order.id },
    // Stripe needs at least 30 minutes; past that point a late payment is handled by fulfilment.
    ...(sessionCanExpireWithHold ? { expires_at: Math.floor(expiresAt.getTime() / 1000) } : {}),
    // The configured address, never the request's Host header.
    success_url: `${getEnv().appOrigin}/orders/${order.id}?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${getEnv().appOrigin}/checkout/${order.id}`,
    ...(order.race.taxMode === "STRIPE_TAX" ? { automatic_tax: { enabled: true } } : {}),
    payment_intent_data: {
      metadata: { orderId: order.id },
      ...(connect ? { application_fee_amount: await platformFeeFor(order.race.organisationId, order.totalMinor), transfer_data: { destination: connect } } : {}),
    },
  };
  // The n-th session of this order, for these lines: a double click or a retry after a crash replays the
  // same session; the session after an expired one gets a new key.
  const linesHash = createHash("sha256").update(JSON.stringify(lineItems)).digest("hex").slice(0, 16);
  const session = await stripe.checkout.sessions.create(params, { idempotencyKey: `checkout-${order.id}-${order.checkoutSessionCount}-${linesHash}` });
  if (!session.url) throw new Error(`Stripe returned no URL for session ${session.id}`);
  await tx.order.update({ where: { id: order.id }, data: { stripeSessionId: session.id, checkoutSessionCount: { increment: 1 }, holdExpiresAt: expiresAt } });
  return { redirectTo: session.url };
}

const holdSelect = { createdAt: true, holdExpiresAt: true, race: { select: { holdMinutes: true } } } as const;

/**
 * The hold for a new payment page: stretched to Stripe's minimum session life if needed so the session
 * and the hold end together, but never beyond the race's hold time plus that minimum: pressing Pay again
 * must not keep places held for ever. A hold already longer (a waiting-list offer's claim window, ADR 0070)
 * is never shortened.
 */
function stretchedHold(order: { createdAt: Date; holdExpiresAt: Date | null; race: { holdMinutes: number } }) {
  const cap = order.createdAt.getTime() + order.race.holdMinutes * 60_000 + STRIPE_MIN_SESSION_MS;
  const held = order.holdExpiresAt?.getTime() ?? 0;
  return new Date(Math.max(held, Math.min(cap, Date.now() + STRIPE_MIN_SESSION_MS)));
}

/** One line per ticket at its discounted price, plus a tax line for a fixed-rate tax. */
function ticketLineItems(order: {
  currency: string;
  discountMinor: number;
  subtotalMinor: number;
  taxMinor: number;
  race: { name: string; taxMode: string };
  tickets: { priceMinor: number; ticketType: { name: string }; participant: { firstName: string; lastName: string } | null }[];
}): Stripe.Checkout.SessionCreateParams.LineItem[] {
  const currency = order.currency.toLowerCase();
  let discountLeft = order.discountMinor;
  const items = order.tickets.map((ticket, index) => {
    const isLast = index === order.tickets.length - 1;
    const share = isLast ? discountLeft : Math.floor((order.discountMinor * ticket.priceMinor) / Math.max(order.subtotalMinor, 1));
    discountLeft -= share;
    const who = ticket.participant ? `${ticket.participant.firstName} ${ticket.participant.lastName}` : `Participant ${index + 1}`;
    return {
      quantity: 1,
      price_data: {
        currency,
        unit_amount: ticket.priceMinor - share,
        product_data: { name: `${order.race.name}: ${ticket.ticketType.name}`, description: who },
        // Prices exclude tax: Stripe Tax adds it on top, which is what fulfilment checks (ADR 0023).
        ...(order.race.taxMode === "STRIPE_TAX" ? { tax_behavior: "exclusive" as const } : {}),
      },
    };
  });
  if (order.taxMinor > 0 && order.race.taxMode === "FIXED_RATE") {
    items.push({ quantity: 1, price_data: { currency, unit_amount: order.taxMinor, product_data: { name: "Tax", description: order.race.name } } });
  }
  return items;
}

/**
 * Demo payment mode: builds the event Stripe would send for a paid Checkout Session, signs it with the
 * webhook secret and posts it to our own webhook route, so verification, inbox, queue and worker all run.
 */
export async function sendDemoPayment({ orderId, buyerId, origin }: { orderId: string; buyerId: string; origin: string }) {
  const refusal = demoPaymentRefusal(origin);
  if (refusal) throw new CheckoutError(refusal, "form", "conflict");
  await pendingOrder(orderId, buyerId);
  // The demo page is this order's payment session: fulfilment checks the event against it like a Stripe one.
  const order = await db.order.update({
    where: { id: orderId },
    data: { stripeSessionId: demoSessionId(orderId) },
    select: { id: true, totalMinor: true, taxMinor: true, currency: true, buyerEmail: true, stripeSessionId: true },
  });
  await postDemoSessionCompleted(origin, {
    id: order.stripeSessionId!,
    amountTotalMinor: order.totalMinor,
    amountTaxMinor: order.taxMinor,
    currency: order.currency,
    clientReferenceId: order.id,
    customerEmail: order.buyerEmail,
    metadata: { orderId: order.id },
  });
}

function demoSessionId(orderId: string) {
  return `cs_demo_${orderId}`;
}

type SessionFacts = {
  id: string;
  payment_status: string;
  metadata: Stripe.Metadata | null;
  client_reference_id: string | null;
  payment_intent: string | Stripe.PaymentIntent | null;
  amount_total: number | null;
  currency: string | null;
  total_details?: { amount_tax: number } | null;
};

/** The session as Stripe sees it now (events can be stale or arrive out of order); the event's copy in demo mode. */
async function currentSession(session: SessionFacts): Promise<SessionFacts> {
  const stripe = stripeClient();
  return stripe ? await stripe.checkout.sessions.retrieve(session.id) : session;
}

function orderIdOf(session: SessionFacts) {
  return session.metadata?.orderId ?? session.client_reference_id ?? null;
}

/**
 * checkout.session.completed / async_payment_succeeded: fulfil once the money is there, if it is the
 * payment the order asked for; a payment that cannot be honoured is refunded (ADR 0023).
 */
export async function handleSessionPaid(event: { data: { object: SessionFacts } }): Promise<FulfilmentResult["outcome"] | "unpaid" | "unknown_order"> {
  const session = await currentSession(event.data.object);
  const orderId = orderIdOf(session);
  if (!orderId) return "unknown_order";
  if (session.payment_status !== "paid" && session.payment_status !== "no_payment_required") return "unpaid";
  const payment: SessionPayment = {
    orderId,
    stripeSessionId: session.id,
    paymentIntentId: typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null),
    amountTotalMinor: session.amount_total ?? 0,
    amountTaxMinor: session.total_details?.amount_tax ?? null,
    currency: session.currency ?? "",
  };
  const result = await fulfilOrder(payment);
  if (isUnfulfilled(result.outcome)) await refundUnfulfilledPayment(payment, result.outcome);
  if (result.outcome === "rejected") await rejectPayment(payment, result.reason);
  return result.outcome;
}

/**
 * checkout.session.expired / async_payment_failed: give the places back — only when it is the order's
 * current session; the expiry of a session replaced after a change of total (ADR 0023) changes nothing.
 */
export async function handleSessionFailed(event: { data: { object: SessionFacts } }) {
  const orderId = orderIdOf(event.data.object);
  if (!orderId) return "unknown_order";
  return (await releaseOrder(orderId, "EXPIRED", { sessionId: event.data.object.id })) ? "released" : "nothing to release";
}
