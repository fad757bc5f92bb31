import { randomUUID } from "node:crypto";
import type { MembershipStatus } from "@prisma/client";
import Stripe from "stripe";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { stripeClient } from "~/utils/stripe.server";
import { allowanceExpiry, creditPacks, findPack, membershipPlan, packExpiry } from "~/lib/credit-catalog";
import { creditBalance, creditDebt, grantCredits, InsufficientCreditsError, ledgerPage, reconcileClawback, spendCredits } from "./credits.server";
import { demoPaymentRefusal, postDemoSessionCompleted } from "./demo-payments.server";
import { NotFoundError, RuleViolationError } from "./errors.server";
import { notify } from "./notifications.server";
import { refundedOnStripe, refundFailed } from "./refunds.server";

/** `metadata.kind` on Checkout Sessions that are not race orders, so the webhook knows which handler owns the event. */
export const CHECKOUT_KIND = { creditPack: "credit_pack", membership: "membership" } as const;

type CheckoutFacts = {
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

/** Opens a subscription-mode Checkout Session for the membership plan. Memberships need Stripe (no demo renewals). */
export async function startMembership({ userId }: { userId: string }) {
  const stripe = stripeClient();
  if (!stripe) throw new RuleViolationError("form", "Memberships need Stripe, which this installation does not use. Buy a credit pack instead.");
  const current = await db.membership.findUnique({ where: { userId }, select: { status: true } });
  if (current && (current.status === "ACTIVE" || current.status === "PAST_DUE")) {
    throw new RuleViolationError("form", "You already have a membership. Use “Manage subscription” to change it.");
  }
  const customer = await stripeCustomerFor(stripe, userId);
  await db.membership.upsert({
    where: { userId },
    create: { userId, plan: membershipPlan.id, status: "INCOMPLETE" },
    update: { plan: membershipPlan.id, status: "INCOMPLETE", cancelAtPeriodEnd: false },
  });
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
  if (refusal) throw new RuleViolationError("form", refusal);
  const purchase = await pendingPackPurchase(purchaseId, userId);
  if (purchase.status !== "PENDING") throw new RuleViolationError("form", "This purchase is already paid.");
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

/** The session as Stripe sees it now (a forged or stale event cannot grant); the event's copy in demo mode. */
async function currentCheckout(session: CheckoutFacts): Promise<CheckoutFacts> {
  const stripe = stripeClient();
  return stripe ? await stripe.checkout.sessions.retrieve(session.id) : session;
}

/** A paid pack session grants its credits once: the ledger key is the session id, so any number of events for it grant once. */
export async function handlePackPaid(event: { data: { object: CheckoutFacts } }) {
  const session = await currentCheckout(event.data.object);
  if (session.payment_status !== "paid") return "unpaid";
  const purchaseId = session.metadata?.purchaseId;
  const purchase = purchaseId
    ? await db.creditPurchase.findUnique({ where: { id: purchaseId }, select: { id: true, userId: true, kind: true, credits: true, amountMinor: true, currency: true, product: true } })
    : null;
  if (!purchase || purchase.kind !== "PACK") return "unknown_purchase";
  if (session.amount_total !== purchase.amountMinor) return "amount_mismatch";
  const paidAt = new Date();
  // Marked paid before the grant publishes the new balance; a retry after a failed grant still grants (same key).
  await db.creditPurchase.updateMany({ where: { id: purchase.id, status: { not: "PAID" } }, data: { status: "PAID", paidAt, stripeSessionId: session.id } });
  // A refund of this payment (`charge.refunded`) finds the purchase through its PaymentIntent.
  const paymentIntentId = idOf(session.payment_intent as string | { id: string } | null | undefined);
  if (paymentIntentId) await db.creditPurchase.updateMany({ where: { id: purchase.id, stripePaymentIntentId: null }, data: { stripePaymentIntentId: paymentIntentId } });
  const grant = await grantCredits({
    userId: purchase.userId,
    amount: purchase.credits,
    description: `${findPack(purchase.product)?.name ?? "Credit pack"}: ${purchase.credits} credits`,
    idempotencyKey: `stripe-session:${session.id}`,
    expiresAt: packExpiry(paidAt),
    purchaseId: purchase.id,
  });
  await notify({
    userId: purchase.userId,
    kind: "credits_granted",
    title: "Credits added",
    body: `${purchase.credits} credits are in your balance.`,
    href: "/billing",
    dedupeKey: `credit-purchase:${purchase.id}`,
  });
  return grant.created ? "granted" : "already granted";
}

/** An unpaid pack session that expired: the purchase is over (nothing was granted). */
export async function handlePackExpired(event: { data: { object: CheckoutFacts } }) {
  const purchaseId = event.data.object.metadata?.purchaseId;
  if (!purchaseId) return "unknown_purchase";
  const { count } = await db.creditPurchase.updateMany({ where: { id: purchaseId, status: "PENDING" }, data: { status: "EXPIRED" } });
  return count ? "expired" : "nothing to expire";
}

function idOf(value: string | { id: string } | null | undefined) {
  return typeof value === "string" ? value : (value?.id ?? null);
}

async function userIdForCustomer(customer: string | null, metadataUserId: string | undefined) {
  if (customer) {
    const user = await db.user.findUnique({ where: { stripeCustomerId: customer }, select: { id: true } });
    if (user) return user.id;
  }
  if (!metadataUserId) return null;
  return (await db.user.findUnique({ where: { id: metadataUserId }, select: { id: true } }))?.id ?? null;
}

/** The membership checkout finished: remember the subscription (the invoice.paid event activates it and grants). */
export async function handleMembershipCheckoutCompleted(event: { data: { object: CheckoutFacts } }) {
  const session = event.data.object;
  const subscriptionId = idOf(session.subscription as string | { id: string } | null | undefined);
  const userId = await userIdForCustomer(idOf(session.customer as string | { id: string } | null | undefined), session.metadata?.userId);
  if (!userId || !subscriptionId) return "unknown_membership";
  await db.membership.upsert({
    where: { userId },
    create: { userId, plan: session.metadata?.plan ?? membershipPlan.id, stripeSubscriptionId: subscriptionId },
    update: { stripeSubscriptionId: subscriptionId },
  });
  return "linked";
}

type InvoiceFacts = Pick<Stripe.Invoice, "id" | "customer" | "amount_paid" | "currency"> & {
  parent?: { subscription_details?: { subscription: string | { id: string }; metadata?: Stripe.Metadata | null } | null } | null;
  lines?: { data: { period: { start: number; end: number } }[] };
  period_start?: number;
  period_end?: number;
};

function invoiceSubscription(invoice: InvoiceFacts) {
  const details = invoice.parent?.subscription_details;
  return { subscriptionId: idOf(details?.subscription ?? null), metadata: details?.metadata ?? null };
}

/** invoice.paid for a membership: active until the period end, and the period's allowance granted once per invoice. */
export async function handleInvoicePaid(event: { data: { object: InvoiceFacts } }) {
  const invoice = event.data.object;
  const { subscriptionId, metadata } = invoiceSubscription(invoice);
  if (!subscriptionId) return "not a subscription invoice";
  const userId = await userIdForCustomer(idOf(invoice.customer as string | { id: string } | null), metadata?.userId);
  if (!userId) return "unknown_customer";
  const period = invoice.lines?.data[0]?.period ?? { start: invoice.period_start ?? 0, end: invoice.period_end ?? 0 };
  const periodStart = new Date(period.start * 1000);
  const periodEnd = new Date(period.end * 1000);

  const existing = await db.membership.findUnique({ where: { userId }, select: { status: true, stripeSubscriptionId: true, currentPeriodEnd: true } });
  // A late invoice of a subscription already cancelled does not bring it back; a newer period end is never moved back.
  const stillCancelled = existing?.status === "CANCELED" && existing.stripeSubscriptionId === subscriptionId;
  const currentPeriodEnd = existing?.currentPeriodEnd && existing.stripeSubscriptionId === subscriptionId && existing.currentPeriodEnd > periodEnd ? existing.currentPeriodEnd : periodEnd;
  await db.membership.upsert({
    where: { userId },
    create: { userId, plan: metadata?.plan ?? membershipPlan.id, status: "ACTIVE", stripeSubscriptionId: subscriptionId, currentPeriodEnd },
    update: { status: stillCancelled ? "CANCELED" : "ACTIVE", stripeSubscriptionId: subscriptionId, currentPeriodEnd },
  });

  const purchase = await db.creditPurchase.upsert({
    where: { stripeInvoiceId: invoice.id! },
    create: {
      userId,
      kind: "MEMBERSHIP",
      product: membershipPlan.id,
      credits: membershipPlan.creditsPerPeriod,
      amountMinor: invoice.amount_paid,
      currency: invoice.currency.toUpperCase(),
      status: "PAID",
      stripeInvoiceId: invoice.id!,
      paidAt: new Date(),
    },
    update: {},
    select: { id: true },
  });
  const grant = await grantCredits({
    userId,
    amount: membershipPlan.creditsPerPeriod,
    description: `${membershipPlan.name}: ${membershipPlan.creditsPerPeriod} credits`,
    idempotencyKey: `stripe-invoice:${invoice.id}`,
    expiresAt: allowanceExpiry(periodStart, periodEnd),
    purchaseId: purchase.id,
  });
  await notify({
    userId,
    kind: "credits_granted",
    title: "Membership credits added",
    body: `${membershipPlan.creditsPerPeriod} credits from your membership are in your balance.`,
    href: "/billing",
    dedupeKey: `credit-invoice:${invoice.id}`,
  });
  return grant.created ? "granted" : "already granted";
}

/** A renewal payment failed: the membership is past due until Stripe's retries succeed or give up. */
export async function handleInvoicePaymentFailed(event: { data: { object: InvoiceFacts } }) {
  const invoice = event.data.object;
  const { subscriptionId } = invoiceSubscription(invoice);
  if (!subscriptionId) return "not a subscription invoice";
  const { count } = await db.membership.updateMany({ where: { stripeSubscriptionId: subscriptionId, status: { not: "CANCELED" } }, data: { status: "PAST_DUE" } });
  if (count === 0) return "unknown_membership";
  const membership = await db.membership.findUniqueOrThrow({ where: { stripeSubscriptionId: subscriptionId }, select: { userId: true } });
  await notify({
    userId: membership.userId,
    kind: "membership_past_due",
    title: "Membership payment failed",
    body: "We could not take your membership payment. Update your card under Manage subscription.",
    href: "/billing",
    dedupeKey: `invoice-failed:${invoice.id}`,
  });
  return "past_due";
}

const subscriptionStatus: Record<string, MembershipStatus> = {
  active: "ACTIVE",
  trialing: "ACTIVE",
  past_due: "PAST_DUE",
  unpaid: "PAST_DUE",
  paused: "PAST_DUE",
  canceled: "CANCELED",
  incomplete_expired: "CANCELED",
  incomplete: "INCOMPLETE",
};

type SubscriptionFacts = Pick<Stripe.Subscription, "id" | "status" | "cancel_at_period_end" | "customer" | "metadata"> & { items?: { data: { current_period_end?: number }[] } };

/** The subscription as Stripe sees it now, so an out-of-order "updated" event cannot roll the status back; the event's copy in demo mode. */
async function currentSubscription(subscription: SubscriptionFacts): Promise<SubscriptionFacts> {
  const stripe = stripeClient();
  return stripe ? await stripe.subscriptions.retrieve(subscription.id) : subscription;
}

/** customer.subscription.updated / deleted: status, cancel-at-period-end and period end follow Stripe. A cancelled subscription stays cancelled. */
export async function handleSubscriptionChanged(event: { type: string; data: { object: SubscriptionFacts } }) {
  const subscription = await currentSubscription(event.data.object);
  const status: MembershipStatus = event.type === "customer.subscription.deleted" ? "CANCELED" : (subscriptionStatus[subscription.status] ?? "INCOMPLETE");
  const periodEnd = subscription.items?.data[0]?.current_period_end;
  const membership = await db.membership.findUnique({ where: { stripeSubscriptionId: subscription.id }, select: { id: true, status: true } });
  const userId = membership ? null : await userIdForCustomer(idOf(subscription.customer as string | { id: string }), subscription.metadata?.userId);
  if (!membership && !userId) return "unknown_membership";
  const data = {
    status: membership?.status === "CANCELED" ? ("CANCELED" as const) : status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    ...(periodEnd ? { currentPeriodEnd: new Date(periodEnd * 1000) } : {}),
  };
  if (membership) await db.membership.update({ where: { id: membership.id }, data });
  else await db.membership.upsert({ where: { userId: userId! }, create: { userId: userId!, plan: membershipPlan.id, stripeSubscriptionId: subscription.id, ...data }, update: { stripeSubscriptionId: subscription.id, ...data } });
  return data.status.toLowerCase();
}

/**
 * A refund of a credit purchase's payment takes its credits back in proportion to what Stripe has refunded (rounded
 * down, in the buyer's favour); `lower` gives them back when a refund failed. What was already spent becomes a debt
 * (docs/decisions/0023). The user is told once per change.
 */
async function followPurchaseRefund(purchase: { id: string; userId: string; credits: number; amountMinor: number; product: string }, refundedMinor: number, mode: "raise" | "lower") {
  const refunded = Math.min(purchase.amountMinor, refundedMinor);
  await db.creditPurchase.updateMany({ where: { id: purchase.id, refundedMinor: mode === "raise" ? { lt: refunded } : { gt: refunded } }, data: { refundedMinor: refunded } });
  const name = findPack(purchase.product)?.name ?? "Credit pack";
  const target = Math.floor((purchase.credits * refunded) / purchase.amountMinor);
  const change = await reconcileClawback({
    userId: purchase.userId,
    purchaseId: purchase.id,
    target,
    mode,
    description: mode === "raise" ? `Refund of ${name}: credits taken back` : `Refund of ${name} failed: credits given back`,
  });
  if (!change) return { purchaseId: purchase.id, changed: false };
  const taken = change.change;
  await notify({
    userId: purchase.userId,
    kind: mode === "raise" ? "credits_clawed_back" : "credits_returned",
    title: mode === "raise" ? "Credits taken back" : "Credits given back",
    body:
      mode === "raise"
        ? `Your ${name} payment was refunded, so ${taken} credits were taken back${change.owedChange > 0 ? `: ${change.fromBalance} from your balance, and you owe ${change.owedChange} that you had already used. Your next purchase settles it; AI jobs are paused until then` : ""}.`
        : `The refund of your ${name} did not go through, so ${-taken} credits are yours again.`,
    href: "/billing",
    dedupeKey: change.entryKey,
  });
  return { purchaseId: purchase.id, changed: true, ...change };
}

const purchaseForRefund = { id: true, userId: true, credits: true, amountMinor: true, product: true } as const;

/** `charge.refunded` for a credit purchase (found by its PaymentIntent); null when no purchase took this payment. */
export async function handlePurchaseChargeRefunded(event: Stripe.ChargeRefundedEvent) {
  const charge = event.data.object;
  const paymentIntentId = idOf(charge.payment_intent);
  if (!paymentIntentId) return null;
  const purchase = await db.creditPurchase.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: purchaseForRefund });
  if (!purchase) return null;
  return followPurchaseRefund(purchase, await refundedOnStripe(paymentIntentId, charge.amount_refunded), "raise");
}

/** `charge.refund.updated` for a credit purchase: a failed or cancelled refund gives the credits back. */
export async function handlePurchaseRefundUpdated(refund: Stripe.Refund) {
  const paymentIntentId = idOf(refund.payment_intent);
  if (!paymentIntentId) return null;
  const purchase = await db.creditPurchase.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: purchaseForRefund });
  if (!purchase) return null;
  if (!refundFailed(refund)) return { purchaseId: purchase.id, refundStatus: refund.status };
  return followPurchaseRefund(purchase, await refundedOnStripe(paymentIntentId, 0), "lower");
}

/** Everything the billing page shows. */
export async function billingOverview(userId: string, { ledgerPage: ledgerPageNumber, purchasesPage }: { ledgerPage: number; purchasesPage: number }) {
  const [balance, owed, membership, user, ledger, purchases] = await Promise.all([
    creditBalance(userId),
    creditDebt(userId),
    db.membership.findUnique({ where: { userId }, select: { plan: true, status: true, currentPeriodEnd: true, cancelAtPeriodEnd: true } }),
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { stripeCustomerId: true } }),
    ledgerPage(userId, ledgerPageNumber),
    purchasePage(userId, purchasesPage),
  ]);
  const paymentMode = getEnv().paymentMode;
  return {
    balance,
    owed,
    membership,
    paymentMode,
    canManageSubscription: paymentMode === "stripe" && Boolean(user.stripeCustomerId),
    packs: creditPacks,
    plan: membershipPlan,
    ledger,
    purchases,
  };
}

/** A user's purchases, newest first, paginated. */
export async function purchasePage(userId: string, page: number, pageSize = 10) {
  const where = { userId, status: { not: "PENDING" as const } };
  const [total, items] = await Promise.all([
    db.creditPurchase.count({ where }),
    db.creditPurchase.findMany({
      where,
      orderBy: { createdAt: "desc" },
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: { id: true, kind: true, product: true, credits: true, amountMinor: true, refundedMinor: true, currency: true, status: true, createdAt: true, paidAt: true },
    }),
  ]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items };
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
