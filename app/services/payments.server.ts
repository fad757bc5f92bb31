import { createHash } from "node:crypto";
import Stripe from "stripe";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { stripeClient } from "~/utils/stripe.server";
import { CheckoutError, incompleteTickets, pendingOrder } from "./checkout.server";
import { demoPaymentRefusal, postDemoSessionCompleted } from "./demo-payments.server";
import { fulfilOrder, refundLatePayment, type FulfilmentOutcome } from "./fulfilment.server";
import { platformFeeFor } from "./payouts.server";
import { releaseOrder } from "./reservations.server";

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
  if (missing.length) throw new CheckoutError(missingFormsMessage(missing), "form", 400);
  const order = await db.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      id: true,
      currency: true,
      totalMinor: true,
      taxMinor: true,
      discountMinor: true,
      subtotalMinor: true,
      buyerEmail: true,
      holdExpiresAt: true,
      createdAt: true,
      stripeSessionId: true,
      race: { select: { name: true, holdMinutes: true, organisationId: true, taxMode: true, organisation: { select: { stripeAccountId: true, chargesEnabled: true } } } },
      tickets: { where: { status: "HELD" }, orderBy: { createdAt: "asc" }, select: { id: true, priceMinor: true, ticketType: { select: { name: true } }, participant: { select: { firstName: true, lastName: true } } } },
    },
  });
  if (order.totalMinor === 0) {
    await fulfilOrder({ orderId });
    return { redirectTo: `/orders/${orderId}` };
  }
  // Stretch the hold once to Stripe's minimum session life, but never beyond that: pressing Pay again
  // must not keep places held for ever.
  // Once a session exists its expiry is fixed (Stripe replays it for the same idempotency key), so the hold stays.
  const cap = order.createdAt.getTime() + order.race.holdMinutes * 60_000 + STRIPE_MIN_SESSION_MS;
  const stretched = Math.min(cap, Math.max(order.holdExpiresAt?.getTime() ?? 0, Date.now() + STRIPE_MIN_SESSION_MS));
  const expiresAt = order.stripeSessionId && order.holdExpiresAt ? order.holdExpiresAt : new Date(stretched);
  await db.order.update({ where: { id: orderId }, data: { holdExpiresAt: expiresAt } });
  const sessionCanExpireWithHold = expiresAt.getTime() >= Date.now() + 30 * 60_000;

  const stripe = stripeClient();
  if (!stripe) return { redirectTo: `/checkout/${orderId}/demo-pay` };

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
  // Same order and same amounts → same key, so a double click or a retry cannot open two sessions.
  const idempotencyKey = `checkout-${order.id}-${createHash("sha256").update(JSON.stringify(lineItems)).digest("hex").slice(0, 16)}`;
  const session = await stripe.checkout.sessions.create(params, { idempotencyKey });
  await db.order.update({ where: { id: order.id }, data: { stripeSessionId: session.id } });
  if (!session.url) throw new Error(`Stripe returned no URL for session ${session.id}`);
  return { redirectTo: session.url };
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
      price_data: { currency, unit_amount: ticket.priceMinor - share, product_data: { name: `${order.race.name}: ${ticket.ticketType.name}`, description: who } },
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
  if (refusal) throw new CheckoutError(refusal, "form", 409);
  await pendingOrder(orderId, buyerId);
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { id: true, totalMinor: true, taxMinor: true, currency: true, buyerEmail: true } });
  await postDemoSessionCompleted(origin, {
    id: `cs_demo_${order.id}`,
    amountTotalMinor: order.totalMinor,
    amountTaxMinor: order.taxMinor,
    currency: order.currency,
    clientReferenceId: order.id,
    customerEmail: order.buyerEmail,
    metadata: { orderId: order.id },
  });
}

type SessionFacts = { id: string; payment_status: string; metadata: Stripe.Metadata | null; client_reference_id: string | null; payment_intent: string | Stripe.PaymentIntent | null; amount_total: number | null; total_details?: { amount_tax: number } | null };

/** The session as Stripe sees it now (events can be stale or arrive out of order); the event's copy in demo mode. */
async function currentSession(session: SessionFacts): Promise<SessionFacts> {
  const stripe = stripeClient();
  return stripe ? await stripe.checkout.sessions.retrieve(session.id) : session;
}

function orderIdOf(session: SessionFacts) {
  return session.metadata?.orderId ?? session.client_reference_id ?? null;
}

/** checkout.session.completed / async_payment_succeeded: fulfil once the money is there. */
export async function handleSessionPaid(event: { data: { object: SessionFacts } }): Promise<FulfilmentOutcome | "unpaid" | "unknown_order"> {
  const session = await currentSession(event.data.object);
  const orderId = orderIdOf(session);
  if (!orderId) return "unknown_order";
  if (session.payment_status !== "paid" && session.payment_status !== "no_payment_required") return "unpaid";
  const payment = {
    orderId,
    stripeSessionId: session.id,
    paymentIntentId: typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null),
    amountTotalMinor: session.amount_total,
    amountTaxMinor: session.total_details?.amount_tax ?? null,
  };
  const outcome = await fulfilOrder(payment);
  if (outcome === "late_no_places") await refundLatePayment(payment);
  return outcome;
}

/** checkout.session.expired / async_payment_failed: give the places back. */
export async function handleSessionFailed(event: { data: { object: SessionFacts } }) {
  const orderId = orderIdOf(event.data.object);
  if (!orderId) return "unknown_order";
  return (await releaseOrder(orderId, "EXPIRED")) ? "released" : "nothing to release";
}
