import type { MembershipStatus } from "@prisma/client";
import type Stripe from "stripe";
import { db } from "~/utils/db.server";
import { stripeClient } from "~/utils/stripe.server";
import { allowanceExpiry, findPack, membershipPlan, packExpiry } from "~/lib/credit-catalog";
import type { CheckoutFacts } from "./billing.server";
import { grantCredits } from "./credits.server";
import { notify } from "./notifications.server";
import { applySubscriptionFacts } from "./memberships.server";
import { idOf } from "./stripe-refunds.server";

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
  await applySubscriptionFacts({ userId, subscriptionId, plan: session.metadata?.plan ?? membershipPlan.id });
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

  await applySubscriptionFacts({ userId, subscriptionId, plan: metadata?.plan ?? membershipPlan.id, status: "ACTIVE", currentPeriodEnd: periodEnd });

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

/** The subscription as Stripe sees it now, so an out-of-order event cannot roll the status back; the event's copy in demo mode. */
async function currentSubscription(subscription: SubscriptionFacts): Promise<SubscriptionFacts> {
  const stripe = stripeClient();
  return stripe ? await stripe.subscriptions.retrieve(subscription.id) : subscription;
}

/**
 * A renewal payment failed: the membership is past due until Stripe's retries succeed or give up. With Stripe the
 * subscription is read first: a failed attempt whose retry has already succeeded changes nothing.
 */
export async function handleInvoicePaymentFailed(event: { data: { object: InvoiceFacts } }) {
  const invoice = event.data.object;
  const { subscriptionId, metadata } = invoiceSubscription(invoice);
  if (!subscriptionId) return "not a subscription invoice";
  const userId = await userIdForCustomer(idOf(invoice.customer as string | { id: string } | null), metadata?.userId);
  if (!userId) return "unknown_membership";
  const stripe = stripeClient();
  const status = stripe ? subscriptionStatus[(await stripe.subscriptions.retrieve(subscriptionId)).status] : "PAST_DUE";
  if (status !== "PAST_DUE") return `ignored: the subscription is ${status?.toLowerCase() ?? "unknown"} now`;
  if (!(await applySubscriptionFacts({ userId, subscriptionId, status: "PAST_DUE" }))) return "unchanged";
  await notify({
    userId,
    kind: "membership_past_due",
    title: "Membership payment failed",
    body: "We could not take your membership payment. Update your card under Manage subscription.",
    href: "/billing",
    dedupeKey: `invoice-failed:${invoice.id}`,
  });
  return "past_due";
}

/** customer.subscription.updated / deleted: status, cancel-at-period-end and period end follow Stripe. A cancelled subscription stays cancelled. */
export async function handleSubscriptionChanged(event: { type: string; data: { object: SubscriptionFacts } }) {
  const subscription = await currentSubscription(event.data.object);
  const status: MembershipStatus = event.type === "customer.subscription.deleted" ? "CANCELED" : (subscriptionStatus[subscription.status] ?? "INCOMPLETE");
  const periodEnd = subscription.items?.data[0]?.current_period_end;
  const membership = await db.membership.findUnique({ where: { stripeSubscriptionId: subscription.id }, select: { userId: true } });
  const userId = membership?.userId ?? (await userIdForCustomer(idOf(subscription.customer as string | { id: string }), subscription.metadata?.userId));
  if (!userId) return "unknown_membership";
  const changed = await applySubscriptionFacts({
    userId,
    subscriptionId: subscription.id,
    status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    ...(periodEnd ? { currentPeriodEnd: new Date(periodEnd * 1000) } : {}),
  });
  return changed ? status.toLowerCase() : "unchanged";
}
