import { createHash } from "node:crypto";
import { membershipPlan } from "~/lib/credit-catalog";
import { DomainError } from "~/lib/errors";
import { db } from "~/utils/db.server";
import { CHECKOUT_KIND } from "./billing.server";
import { demoPaymentRefusal, postDemoEvent } from "./demo-payments.server";

/**
 * Demo payment mode for memberships (ADR 0095): what Stripe would send over a subscription's life — the first
 * payment, a renewal, a renewal whose card is declined, a cancellation at the period end, the end — built from the
 * membership row, shaped like Stripe's objects, signed and posted to our own webhook. Nothing here writes the
 * membership: the worker's handlers do, exactly as for Stripe's events. A person presses the buttons, so the
 * demo has no clock of its own: "renew" is the next period arriving now.
 */

export type DemoMembershipEvent = "renew" | "fail-renewal" | "cancel" | "end";

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function addMonth(date: Date) {
  const next = new Date(date);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return next;
}

function conflict(message: string) {
  return new DomainError("conflict", message, { field: "form" });
}

/** One checkout of a waiting membership: the same id for every click until it is paid, a new one for the next checkout. */
function demoSubscriptionId(membership: { id: string; updatedAt: Date }) {
  return `sub_demo_${createHash("sha256").update(`${membership.id}:${membership.updatedAt.toISOString()}`).digest("hex").slice(0, 24)}`;
}

type Period = { start: Date; end: Date };
type SubscriptionState = { id: string; userId: string; status: string; cancelAtPeriodEnd: boolean; canceledAt: number | null; period: Period };

const metadataOf = (userId: string) => ({ kind: CHECKOUT_KIND.membership, userId, plan: membershipPlan.id });
const customerOf = (userId: string) => `cus_demo_${userId}`;

function subscriptionJson(sub: SubscriptionState) {
  return {
    id: sub.id,
    object: "subscription",
    customer: customerOf(sub.userId),
    status: sub.status,
    cancel_at_period_end: sub.cancelAtPeriodEnd,
    canceled_at: sub.canceledAt,
    created: seconds(sub.period.start),
    livemode: false,
    metadata: metadataOf(sub.userId),
    items: {
      object: "list",
      data: [
        {
          id: `si_${sub.id.slice(4)}`,
          object: "subscription_item",
          current_period_start: seconds(sub.period.start),
          current_period_end: seconds(sub.period.end),
          price: { currency: membershipPlan.currency.toLowerCase(), unit_amount: membershipPlan.amountMinor, recurring: { interval: membershipPlan.interval } },
        },
      ],
    },
  };
}

/** The invoice of one period; its id comes from the subscription and the period, so a repeated click pays one invoice once. */
function invoiceJson(sub: SubscriptionState, period: Period, { paid, billingReason }: { paid: boolean; billingReason: string }) {
  const id = `in_demo_${sub.id.slice(9)}_${seconds(period.end)}`;
  const amount = membershipPlan.amountMinor;
  return {
    id,
    object: "invoice",
    customer: customerOf(sub.userId),
    currency: membershipPlan.currency.toLowerCase(),
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    attempt_count: 1,
    billing_reason: billingReason,
    status: paid ? "paid" : "open",
    created: seconds(new Date()),
    livemode: false,
    period_start: seconds(period.start),
    period_end: seconds(period.start),
    parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: metadataOf(sub.userId), subscription: sub.id } },
    lines: {
      object: "list",
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
      data: [
        {
          id: `il_${id.slice(3)}`,
          object: "line_item",
          amount,
          currency: membershipPlan.currency.toLowerCase(),
          description: `1 × ${membershipPlan.name}`,
          period: { start: seconds(period.start), end: seconds(period.end) },
          quantity: 1,
        },
      ],
    },
  };
}

async function membershipOf(userId: string) {
  return db.membership.findUnique({
    where: { userId },
    select: { id: true, status: true, stripeSubscriptionId: true, currentPeriodEnd: true, cancelAtPeriodEnd: true, updatedAt: true },
  });
}

function refuseOutsideDemo(origin: string) {
  const refusal = demoPaymentRefusal(origin);
  if (refusal) throw conflict(refusal);
}

/** The membership waiting on the demo checkout page, or a 409 saying why there is nothing to pay. */
export async function pendingDemoMembership(userId: string) {
  const membership = await membershipOf(userId);
  if (!membership || membership.status === "CANCELED") throw conflict("There is no membership waiting for payment. Start one on the billing page.");
  if (membership.status !== "INCOMPLETE") throw conflict("Your membership is already paid.");
  return { plan: membershipPlan };
}

/** The demo checkout is paid: Stripe's `checkout.session.completed` and the first `invoice.paid`. */
export async function sendDemoMembershipPayment({ userId, origin }: { userId: string; origin: string }) {
  refuseOutsideDemo(origin);
  await pendingDemoMembership(userId);
  const membership = (await membershipOf(userId))!;
  // The period starts when the checkout began, not at this click: a double click then sends the same subscription
  // and the same first invoice (its id carries the period's end), which is granted once.
  const start = new Date(membership.updatedAt);
  const sub: SubscriptionState = { id: demoSubscriptionId(membership), userId, status: "active", cancelAtPeriodEnd: false, canceledAt: null, period: { start, end: addMonth(start) } };
  await postDemoEvent(origin, "checkout.session.completed", {
    id: `cs_demo_${sub.id.slice(9)}`,
    object: "checkout.session",
    mode: "subscription",
    status: "complete",
    payment_status: "paid",
    amount_total: membershipPlan.amountMinor,
    currency: membershipPlan.currency.toLowerCase(),
    client_reference_id: userId,
    customer: customerOf(userId),
    subscription: sub.id,
    metadata: metadataOf(userId),
    payment_intent: null,
    created: seconds(start),
  });
  await postDemoEvent(origin, "invoice.paid", invoiceJson(sub, sub.period, { paid: true, billingReason: "subscription_create" }));
}

/**
 * One step of a running demo membership, as Stripe would report it:
 * - `renew`: the next period is paid (or, while past due, the overdue invoice finally is): `invoice.paid` + `updated`;
 * - `fail-renewal`: the next period's payment is declined: `invoice.payment_failed` + `updated` (past due);
 * - `cancel`: cancelled in the customer portal, at the period end: `updated` with `cancel_at_period_end`;
 * - `end`: the period is over (or cancelled at once): `customer.subscription.deleted`.
 */
export async function sendDemoMembershipEvent({ userId, event, origin }: { userId: string; event: DemoMembershipEvent; origin: string }) {
  refuseOutsideDemo(origin);
  const membership = await membershipOf(userId);
  const running = membership && (membership.status === "ACTIVE" || membership.status === "PAST_DUE");
  if (!running || !membership.stripeSubscriptionId?.startsWith("sub_demo_") || !membership.currentPeriodEnd) {
    throw conflict("There is no running demo membership. Start one first.");
  }
  const end = membership.currentPeriodEnd;
  const current: Period = { start: new Date(end.getTime() - (addMonth(end).getTime() - end.getTime())), end };
  const pastDue = membership.status === "PAST_DUE";
  const sub: SubscriptionState = {
    id: membership.stripeSubscriptionId,
    userId,
    status: pastDue ? "past_due" : "active",
    cancelAtPeriodEnd: membership.cancelAtPeriodEnd,
    canceledAt: null,
    period: current,
  };
  const next: Period = { start: end, end: addMonth(end) };

  if (event === "renew" || event === "fail-renewal") {
    if (membership.cancelAtPeriodEnd) throw conflict("This membership ends at the period end, so it does not renew.");
    // While past due the period has already moved on; the overdue invoice is the current period's.
    const period = pastDue ? current : next;
    const paid = event === "renew";
    const renewed = { ...sub, status: paid ? "active" : "past_due", period };
    await postDemoEvent(origin, paid ? "invoice.paid" : "invoice.payment_failed", invoiceJson(renewed, period, { paid, billingReason: "subscription_cycle" }));
    await postDemoEvent(origin, "customer.subscription.updated", subscriptionJson(renewed));
    return;
  }
  if (event === "cancel") {
    if (membership.cancelAtPeriodEnd) throw conflict("This membership already ends at the period end.");
    await postDemoEvent(origin, "customer.subscription.updated", subscriptionJson({ ...sub, cancelAtPeriodEnd: true, canceledAt: seconds(new Date()) }));
    return;
  }
  await postDemoEvent(origin, "customer.subscription.deleted", subscriptionJson({ ...sub, status: "canceled", canceledAt: seconds(new Date()) }));
}
