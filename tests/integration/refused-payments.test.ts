import { describe, expect, it } from "vitest";
import { getQueue } from "~/jobs/queues.server";
import { releaseOrder } from "~/services/hold-releases.server";
import { db } from "~/utils/db.server";
import { stripeEvent } from "../mocks/stripe";
import { buyerReadyToPay, completeAndDeliver, discountCode, pay, raceForSale } from "../support/checkout";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Payments fulfilment must not honour because of their race (ADR 0023): a cancelled race takes no payment, held
 * places or not; a late payment takes places only while the race is still on sale. Each is refunded in full through
 * the late-payment path, once, and the buyer is told. A refund of such a payment that fails at the bank leaves the
 * order unpaid and alerts operators.
 */
const WEBHOOK_SECRET = "whsec_refused_payments";
const stack = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

const complete = (sessionId: string) => completeAndDeliver(stack.stripe, stack.web.url, WEBHOOK_SECRET, sessionId);
const refundsOf = (paymentIntent: unknown) => stack.stripe.refunds.filter((r) => r.payment_intent === paymentIntent);
const refundCallsOf = (paymentIntent: unknown) => stack.stripe.callsTo("POST", "/v1/refunds").filter((c) => c.params.payment_intent === paymentIntent);

async function orderState(orderId: string) {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: { orderBy: { createdAt: "asc" } } } });
  const type = await db.ticketType.findUniqueOrThrow({ where: { id: order.tickets[0]!.ticketTypeId } });
  return { status: order.status, refundedMinor: order.refundedMinor, paidAt: order.paidAt, tickets: order.tickets.map((t) => t.status), soldCount: type.soldCount, heldCount: type.heldCount };
}

/** The race's owner changes its status through the organiser's race page, as a person does. */
async function changeStatus(sale: Awaited<ReturnType<typeof raceForSale>>, intent: "cancel" | "close") {
  const organiser = await loggedIn(stack.web.url, sale.owner.email);
  const response = await organiser.post(`/organiser/races/${sale.race.id}?index`, { intent });
  expect(response.status).toBe(200);
  expect((await db.race.findUniqueOrThrow({ where: { id: sale.race.id } })).status).toBe(intent === "cancel" ? "CANCELLED" : "CLOSED");
}

describe("a payment for a cancelled race", () => {
  it("arriving after the hold ran out is refunded in full once, issues nothing, and the buyer is told once", async () => {
    const sale = await raceForSale();
    const { orderId, user, client } = await buyerReadyToPay(stack.web.url, sale, { quantity: 2 });
    const sessionId = await pay(client, orderId);
    await releaseOrder(orderId, "EXPIRED");
    await changeStatus(sale, "cancel");

    // The buyer paid before the session's expiry reached Stripe; Stripe reports it four times, under two event ids.
    const session = stack.stripe.completeSession(sessionId);
    const completed = stripeEvent("checkout.session.completed", session);
    const succeeded = stripeEvent("checkout.session.async_payment_succeeded", session);
    await stack.deliver([completed, succeeded], 2);

    expect(await orderState(orderId)).toEqual({ status: "REFUNDED", refundedMinor: 6000, paidAt: null, tickets: ["CANCELLED", "CANCELLED"], soldCount: 0, heldCount: 0 });
    expect(refundsOf(session.payment_intent).map((r) => r.amount)).toEqual([6000]);
    expect(new Set(refundCallsOf(session.payment_intent).map((c) => c.idempotencyKey))).toEqual(new Set([`startline-race-cancelled-payment-${orderId}`]));
    const emails = await db.emailMessage.findMany({ where: { to: user.email } });
    expect(emails.filter((e) => e.kind === "order_confirmed")).toHaveLength(0);
    const told = emails.filter((e) => e.kind === "race_cancelled_payment_refunded");
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain("The race has been cancelled by its organiser, so we could not accept your registration. We have refunded €60.00 in full");
    const { buyerId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(await db.notification.count({ where: { userId: buyerId!, kind: "order.refunded_payment" } })).toBe(1);
  });

  it("paid a moment before the cancellation gives back its places and its code's use, and counts as the order's cancellation refund", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { maxRedemptions: 1 });
    const { orderId, client, user } = await buyerReadyToPay(stack.web.url, sale);
    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "HALF" })).status).toBe(200);
    const sessionId = await pay(client, orderId);
    // Paid at Stripe; the event has not arrived when the organiser cancels, so the hold stays until it does.
    const session = stack.stripe.completeSession(sessionId);
    await changeStatus(sale, "cancel");
    expect(await orderState(orderId)).toMatchObject({ status: "PENDING", tickets: ["HELD"], heldCount: 1 });
    expect(await db.cancellationRefund.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: "QUEUED" });

    await stack.deliver([stripeEvent("checkout.session.completed", session)]);
    expect(await orderState(orderId)).toEqual({ status: "REFUNDED", refundedMinor: 1500, paidAt: null, tickets: ["CANCELLED"], soldCount: 0, heldCount: 0 });
    expect(await db.cancellationRefund.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: "DONE", amountMinor: 1500 });
    expect(refundsOf(session.payment_intent).map((r) => r.amount)).toEqual([1500]);
    // The use was only ever held: the order was never accepted, so it goes back.
    expect(await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).toMatchObject({ redemptionCount: 0 });
    expect(await db.discountRedemption.count({ where: { orderId } })).toBe(0);
    expect(await db.emailMessage.count({ where: { to: user.email, kind: "order_confirmed" } })).toBe(0);

    // The order's cancellation job, retrying until the payment was settled, then refunds nothing more.
    const job = await waitFor(() => getQueue("refunds").getJob(`refunds.cancelled-race-order-${orderId}`), (j) => Boolean(j?.finishedOn), 30_000);
    expect(job?.returnvalue).toMatchObject({ paid: true, applied: false });
    expect(refundCallsOf(session.payment_intent)).toHaveLength(1);
    expect(await db.cancellationRefund.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: "DONE", amountMinor: 1500 });
  }, 45_000);
});

describe("a free order of a cancelled race", () => {
  it("is not confirmed when the buyer presses Pay after the cancellation committed", async () => {
    const sale = await raceForSale();
    await db.ticketType.update({ where: { id: sale.type.id }, data: { priceMinor: 0 } });
    const { orderId, client } = await buyerReadyToPay(stack.web.url, sale);
    // The moment after the cancelling commit, before the cancellation releases the race's checkouts.
    await db.race.update({ where: { id: sale.race.id }, data: { status: "CANCELLED" } });

    const paying = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(paying.status).toBe(409);
    expect((await paying.text()).replaceAll("&#x27;", "'")).toContain("This race has been cancelled, so it takes no more registrations.");
    expect(await orderState(orderId)).toMatchObject({ status: "PENDING", paidAt: null, tickets: ["HELD"], soldCount: 0 });
  });
});

describe("a payment for a race closed meanwhile", () => {
  it("is honoured while its hold lives, and refunded when it arrives after the hold ran out", async () => {
    const sale = await raceForSale();
    const live = await buyerReadyToPay(stack.web.url, sale);
    const late = await buyerReadyToPay(stack.web.url, sale);
    const liveSession = await pay(live.client, live.orderId);
    const lateSession = await pay(late.client, late.orderId);
    await releaseOrder(late.orderId, "EXPIRED");
    await changeStatus(sale, "close");

    await complete(liveSession);
    const lateCompleted = await complete(lateSession);
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: late.orderId } }), (o) => o.status === "REFUNDED");

    expect(await orderState(live.orderId)).toMatchObject({ status: "PAID", tickets: ["ISSUED"], soldCount: 1, heldCount: 0 });
    expect(await orderState(late.orderId)).toMatchObject({ status: "REFUNDED", refundedMinor: 3000, tickets: ["CANCELLED"], soldCount: 1 });
    expect(refundsOf(lateCompleted.payment_intent).map((r) => r.amount)).toEqual([3000]);
    const email = await waitFor(() => db.emailMessage.findFirst({ where: { to: late.user.email, kind: "sales_closed_payment_refunded" } }), Boolean);
    expect(email?.text).toContain("registration has closed since");
  });
});

describe("a refund of a payment Startline did not accept that fails at the bank", () => {
  const bankFailure = (refundId: string) => stack.stripe.failRefund(refundId, "expired_or_canceled_card");
  const alertsFor = (refundId: string) => db.operatorAlert.findMany({ where: { kind: "payment.refund_failed", context: { path: ["stripeRefundId"], equals: refundId } } });

  it("leaves a refused late payment's order unpaid with no ticket, and alerts operators once", async () => {
    const sale = await raceForSale();
    const { orderId, client } = await buyerReadyToPay(stack.web.url, sale);
    const sessionId = await pay(client, orderId);
    await releaseOrder(orderId, "EXPIRED");
    await changeStatus(sale, "cancel");
    const session = await complete(sessionId);
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "REFUNDED");

    const failed = bankFailure(refundsOf(session.payment_intent)[0]!.id);
    await stack.deliver([failed, { ...failed, id: `${failed.id}_again` }], 2);

    expect(await orderState(orderId)).toMatchObject({ status: "CANCELLED", refundedMinor: 0, paidAt: null, tickets: ["CANCELLED"], soldCount: 0 });
    const alerts = await alertsFor(failed.data.object.id as string);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: "CRITICAL", context: expect.objectContaining({ orderId, amountMinor: 3000, failureReason: "expired_or_canceled_card" }) as unknown });
    expect(alerts[0]!.message).toContain("The buyer's money was not returned");
    // Nothing tells the organiser that an order which never had a ticket "counts as paid again".
    expect(await db.emailMessage.count({ where: { to: sale.owner.email, kind: "refund_failed" } })).toBe(0);
  });

  it("alerts operators once about a rejected payment's refund, which no order took", async () => {
    const sale = await raceForSale();
    await discountCode(sale.race.id, { code: "TEN", amount: 10 });
    const { orderId, client } = await buyerReadyToPay(stack.web.url, sale);
    const staleSession = await pay(client, orderId);
    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" })).status).toBe(200);
    const stale = await complete(staleSession);
    const refunded = await waitFor(async () => refundsOf(stale.payment_intent), (refunds) => refunds.length === 1);

    const failed = bankFailure(refunded[0]!.id);
    await stack.deliver([failed], 3);

    const alerts = await alertsFor(refunded[0]!.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: "CRITICAL", context: expect.objectContaining({ orderId, amountMinor: 3000 }) as unknown });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PENDING", refundedMinor: 0, stripePaymentIntentId: null });
  });
});

describe("a refunded order's discount use", () => {
  it("stays counted after the organiser refunds a paid order: a single-use code is not used twice", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { maxRedemptions: 1 });
    const first = await buyerReadyToPay(stack.web.url, sale);
    expect((await first.client.post(`/checkout/${first.orderId}`, { intent: "apply-code", code: "HALF" })).status).toBe(200);
    await complete(await pay(first.client, first.orderId));
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: first.orderId } }), (o) => o.status === "PAID");

    const organiser = await loggedIn(stack.web.url, sale.owner.email);
    const participant = await db.participant.findFirstOrThrow({ where: { ticket: { orderId: first.orderId } } });
    const refunded = await organiser.post(`/organiser/races/${sale.race.id}/participants/${participant.id}`, { intent: "refund-order", expectedRefundedMinor: "0", amount: "" });
    expect(refunded.status).toBe(302);
    expect(await orderState(first.orderId)).toMatchObject({ status: "REFUNDED", refundedMinor: 1500, tickets: ["REFUNDED"] });

    expect(await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).toMatchObject({ redemptionCount: 1 });
    const second = await buyerReadyToPay(stack.web.url, sale);
    const refused = await second.client.post(`/checkout/${second.orderId}`, { intent: "apply-code", code: "HALF" });
    expect(refused.status).toBe(400);
    expect((await refused.text()).replaceAll("<!-- -->", "")).toContain("This code has been used the maximum number of times.");
  });
});
