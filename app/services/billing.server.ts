import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { stripeClient } from "~/utils/stripe.server";
import { findPack, membershipPlan } from "~/lib/credit-catalog";
import { grantCredits, InsufficientCreditsError, spendCredits } from "./credits.server";
import { demoPaymentRefusal, postDemoSessionCompleted } from "./demo-payments.server";
import { markMembershipIncomplete } from "./memberships.server";
import { DomainError, NotFoundError, RuleViolationError } from "~/lib/errors";

/** `metadata.kind` on Checkout Sessions that are not race orders, so the webhook knows which handler owns the event. */
export const CHECKOUT_KIND = { creditPack: "credit_pack", membership: "membership" } as const;

/** What the billing handlers read of a Checkout Session. */
export type CheckoutFacts = {
  id: string;
  mode?: string | null;
  payment_status: string;
  metadata: Stripe.Metadata | null;
  amount_total: number | null;
  currency?: string | null;
  customer?: string | Stripe.Customer | Stripe.DeletedCustomer | null;
  subscription?: string | Stripe.Subscription | null;
  payment_intent?: string | Stripe.PaymentIntent | null;
};

export function checkoutKind(session: { mode?: string | null; metadata: Stripe.Metadata | null }) {
  const kind = session.metadata?.kind;
  if (kind === CHECKOUT_KIND.creditPack) return "credit_pack" as const;
  if (kind === CHECKOUT_KIND.membership || session.mode === "subscription") return "membership" as const;
  return "race_order" as const;
}

const REUSE_PENDING_PURCHASE_MS = 10 * 60_000;

/** Opens a Stripe Checkout Session for a pack (or, without Stripe, the demo payment page). */
export async function startPackPurchase({ userId, packId }: { userId: string; packId: string }) {
  // Credits pay for AI help only: without it nothing could spend them, so packs are not sold.
  if (!getEnv().aiConfigured) throw new RuleViolationError("packId", "Credit packs are not on sale here: credits pay for AI help, which this installation has not set up.");
  const pack = findPack(packId);
  if (!pack) throw new RuleViolationError("packId", "That pack is not on sale. Choose one of the packs listed.");
  // A double click (or a quick retry) continues the purchase just started instead of opening a second one.
  const recent = await db.creditPurchase.findFirst({
    where: { userId, kind: "PACK", product: pack.id, status: "PENDING", createdAt: { gt: new Date(Date.now() - REUSE_PENDING_PURCHASE_MS) } },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  const purchase =
    recent ??
    (await db.creditPurchase.create({
      data: { userId, kind: "PACK", product: pack.id, credits: pack.credits, amountMinor: pack.amountMinor, currency: pack.currency },
      select: { id: true },
    }));
  const stripe = stripeClient();
  if (!stripe) return { redirectTo: `/billing/packs/${purchase.id}/demo-pay` };
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, stripeCustomerId: true } });
  const metadata = { kind: CHECKOUT_KIND.creditPack, purchaseId: purchase.id, userId };
  const session = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      client_reference_id: purchase.id,
      ...(user.stripeCustomerId ? { customer: user.stripeCustomerId } : { customer_email: user.email }),
      line_items: [{ quantity: 1, price_data: { currency: pack.currency.toLowerCase(), unit_amount: pack.amountMinor, product_data: { name: `${pack.name}: ${pack.credits} credits` } } }],
      metadata,
      payment_intent_data: { metadata },
      // The configured address, never the request's Host header.
      success_url: `${getEnv().appOrigin}/billing?purchase=${purchase.id}`,
      cancel_url: `${getEnv().appOrigin}/billing`,
    },
    { idempotencyKey: `credit-pack-${purchase.id}` },
  );
  await db.creditPurchase.update({ where: { id: purchase.id }, data: { stripeSessionId: session.id } });
  if (!session.url) throw new Error(`Stripe returned no URL for session ${session.id}`);
  return { redirectTo: session.url };
}

/** The user's Stripe customer, created once (the idempotency key makes a double click create one). */
async function stripeCustomerFor(stripe: Stripe, userId: string) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, name: true, stripeCustomerId: true } });
  if (user.stripeCustomerId) return user.stripeCustomerId;
  const customer = await stripe.customers.create({ email: user.email, name: user.name, metadata: { userId } }, { idempotencyKey: `customer-${userId}` });
  await db.user.updateMany({ where: { id: userId, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
  return (await db.user.findUniqueOrThrow({ where: { id: userId }, select: { stripeCustomerId: true } })).stripeCustomerId!;
}

/**
 * Opens a subscription-mode Checkout Session for the membership plan, or without Stripe the demo checkout page,
 * whose payment travels the same webhook path (ADR 0095).
 */
export async function startMembership({ userId }: { userId: string }) {
  const current = await db.membership.findUnique({ where: { userId }, select: { status: true } });
  if (current && (current.status === "ACTIVE" || current.status === "PAST_DUE")) {
    throw new DomainError("conflict", "You already have a membership. Manage it on the billing page.", { field: "form" });
  }
  const stripe = stripeClient();
  if (!stripe) {
    await markMembershipIncomplete(userId);
    return { redirectTo: "/billing/membership/demo-pay" };
  }
  const customer = await stripeCustomerFor(stripe, userId);
  await markMembershipIncomplete(userId);
  const metadata = { kind: CHECKOUT_KIND.membership, userId, plan: membershipPlan.id };
  // Clicks within the same ten minutes reuse one session instead of opening several subscriptions.
  const tenMinuteSlot = Math.floor(Date.now() / 600_000);
  const session = await stripe.checkout.sessions.create(
    {
      mode: "subscription",
      customer,
      client_reference_id: userId,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: membershipPlan.currency.toLowerCase(),
            unit_amount: membershipPlan.amountMinor,
            recurring: { interval: membershipPlan.interval },
            product_data: { name: `${membershipPlan.name}: ${membershipPlan.creditsPerPeriod} credits a month` },
          },
        },
      ],
      metadata,
      subscription_data: { metadata },
      success_url: `${getEnv().appOrigin}/billing?membership=started`,
      cancel_url: `${getEnv().appOrigin}/billing`,
    },
    { idempotencyKey: `membership-${userId}-${tenMinuteSlot}` },
  );
  if (!session.url) throw new Error(`Stripe returned no URL for session ${session.id}`);
  return { redirectTo: session.url };
}

/** Stripe's customer portal (cancel, change card, invoices) for a user who has a Stripe customer. */
export async function billingPortalUrl(userId: string) {
  const stripe = stripeClient();
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { stripeCustomerId: true } });
  if (!stripe || !user.stripeCustomerId) throw new RuleViolationError("form", "There is no subscription to manage yet.");
  const session = await stripe.billingPortal.sessions.create({ customer: user.stripeCustomerId, return_url: `${getEnv().appOrigin}/billing` });
  return session.url;
}

/**
 * Demo payment mode for packs: the event Stripe would send for the paid session, signed with the webhook
 * secret and posted to our own webhook route, so verification, inbox, queue, worker and grant all run.
 */
export async function sendDemoPackPayment({ userId, purchaseId, origin }: { userId: string; purchaseId: string; origin: string }) {
  const refusal = demoPaymentRefusal(origin);
  if (refusal) throw new DomainError("conflict", refusal, { field: "form" });
  const purchase = await pendingPackPurchase(purchaseId, userId);
  if (purchase.status !== "PENDING") throw new DomainError("conflict", "This purchase is already paid.", { field: "form" });
  await postDemoSessionCompleted(origin, {
    id: `cs_demo_${purchase.id}`,
    amountTotalMinor: purchase.amountMinor,
    currency: purchase.currency,
    clientReferenceId: purchase.id,
    metadata: { kind: CHECKOUT_KIND.creditPack, purchaseId: purchase.id, userId },
  });
}

/** A pack purchase of this user that still waits for payment (the demo pay page). */
export async function pendingPackPurchase(purchaseId: string, userId: string) {
  const purchase = await db.creditPurchase.findFirst({
    where: { id: purchaseId, userId, kind: "PACK" },
    select: { id: true, product: true, credits: true, amountMinor: true, currency: true, status: true },
  });
  if (!purchase) throw new NotFoundError("No such purchase.");
  return purchase;
}

/** The key an adjustment form carries from the moment it is shown. */
export function newAdjustmentKey() {
  return randomUUID();
}

/**
 * An operator adds credits (an ADJUSTMENT that never expires) or takes them back (a spend, so the balance
 * never goes below zero and expiring grants are used first). The form's request key makes a resubmission apply once.
 */
export async function adjustCredits({ operatorName, email, amount, reason, requestKey }: { operatorName: string; email: string; amount: number; reason: string; requestKey: string }) {
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new RuleViolationError("email", "No account has that email address.");
  const description = `Adjustment by ${operatorName}: ${reason}`;
  const idempotencyKey = `adjustment:${requestKey}`;
  try {
    const written =
      amount > 0
        ? await grantCredits({ userId: user.id, amount, description, idempotencyKey, kind: "ADJUSTMENT" })
        : await spendCredits({ userId: user.id, amount: -amount, description, idempotencyKey });
    return { userId: user.id, ...written };
  } catch (error) {
    if (error instanceof InsufficientCreditsError) throw new RuleViolationError("amount", `The balance is ${error.balance}; take back at most that.`);
    throw error;
  }
}
