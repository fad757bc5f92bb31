import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { buyerReadyToPay, completeAndDeliver, deliverSessionEvent, discountCode, pay, raceForSale } from "../support/checkout";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Fulfilment honours a paid Checkout Session only when it is the order's current session and its amount
 * and currency are the order's; anything else is refunded, the order stays unpaid and operators are alerted.
 * A change of total expires the session it makes stale (ADR 0023).
 */
const WEBHOOK_SECRET = "whsec_payment_checks";
const stack = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

const deliver = (type: string, sessionId: string) => deliverSessionEvent(stack.stripe, stack.web.url, WEBHOOK_SECRET, type, sessionId);
const complete = (sessionId: string) => completeAndDeliver(stack.stripe, stack.web.url, WEBHOOK_SECRET, sessionId);
const processed = (eventId: string) => waitFor(() => db.stripeEvent.findUniqueOrThrow({ where: { id: eventId } }), (e) => e.processedAt !== null);
const rejectionAlert = (sessionId: string) =>
  waitFor(() => db.operatorAlert.findFirst({ where: { kind: "payment.rejected", context: { path: ["stripeSessionId"], equals: sessionId } } }), Boolean);
const refundsOf = (paymentIntent: unknown) => stack.stripe.refunds.filter((r) => r.payment_intent === paymentIntent).map((r) => r.amount);
const sessionCreates = (orderId: string) => stack.stripe.callsTo("POST", "/v1/checkout/sessions").filter((c) => (c.params.metadata as Record<string, string>).orderId === orderId);

async function pendingOrderWithSession({ quantity = 2 } = {}) {
  const sale = await raceForSale();
  await discountCode(sale.race.id, { code: "TEN", amount: 10, maxRedemptions: 5 });
  const buyer = await buyerReadyToPay(stack.web.url, sale, { quantity });
  const sessionId = await pay(buyer.client, buyer.orderId);
  return { ...sale, ...buyer, sessionId };
}

describe("a change of total expires the session it makes stale", () => {
  it("expires the open session when a code is applied; its late completion is refunded and alerted, the new session pays", async () => {
    const { client, orderId, user, sessionId: oldSession } = await pendingOrderWithSession();
    expect(stack.stripe.session(oldSession)).toMatchObject({ amount_total: 6000, status: "open" });

    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" })).status).toBe(200);
    expect(stack.stripe.callsTo("POST", `/v1/checkout/sessions/${oldSession}/expire`)).toHaveLength(1);
    expect(stack.stripe.session(oldSession).status).toBe("expired");
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ totalMinor: 5400, stripeSessionId: null, status: "PENDING" });

    // Stripe reports the expiry: the order is not released, it has moved on to a new total.
    await processed((await deliver("checkout.session.expired", oldSession)).id);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("PENDING");

    // A payment Stripe took on the old session before the expiry reached it is not accepted.
    const stale = await complete(oldSession);
    const alert = await rejectionAlert(oldSession);
    expect(alert).toMatchObject({ severity: "WARNING", context: expect.objectContaining({ reason: "not_current_session", orderId, amountPaidMinor: 6000 }) });
    expect(refundsOf(stale.payment_intent)).toEqual([6000]);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PENDING", paidAt: null, stripePaymentIntentId: null, refundedMinor: 0 });
    const email = await waitFor(() => db.emailMessage.findFirst({ where: { to: user.email, kind: "payment_rejected_refunded" } }), Boolean);
    expect(email?.text).toContain("We have refunded €60.00 in full");

    const newSession = await pay(client, orderId);
    expect(newSession).not.toBe(oldSession);
    expect(stack.stripe.session(newSession)).toMatchObject({ amount_total: 5400, status: "open" });
    expect(new Set(sessionCreates(orderId).map((c) => c.idempotencyKey)).size).toBe(2);
    const paid = await complete(newSession);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "PAID");
    expect(order).toMatchObject({ status: "PAID", totalMinor: 5400, stripeSessionId: newSession, stripePaymentIntentId: paid.payment_intent });
    expect(refundsOf(paid.payment_intent)).toEqual([]);
  });

  it("expires the session when the code is removed, and keeps a session whose total did not change", async () => {
    const sale = await raceForSale();
    await discountCode(sale.race.id, { code: "TEN", amount: 10 });
    const { client, orderId } = await buyerReadyToPay(stack.web.url, sale);
    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" })).status).toBe(200);
    const withCode = await pay(client, orderId);
    expect(stack.stripe.session(withCode).amount_total).toBe(2700);

    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "ten" })).status).toBe(200);
    expect(stack.stripe.callsTo("POST", `/v1/checkout/sessions/${withCode}/expire`)).toHaveLength(0);
    expect(await pay(client, orderId)).toBe(withCode);

    expect((await client.post(`/checkout/${orderId}`, { intent: "remove-code" })).status).toBe(200);
    expect(stack.stripe.session(withCode).status).toBe("expired");
    const without = await pay(client, orderId);
    expect(stack.stripe.session(without)).toMatchObject({ amount_total: 3000, status: "open" });

    // A session Stripe has already expired by itself needs nothing more before the total changes.
    stack.stripe.expireSession(without);
    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" })).status).toBe(200);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ totalMinor: 2700, stripeSessionId: null });
    expect(stack.stripe.session(await pay(client, orderId))).toMatchObject({ amount_total: 2700, status: "open" });
  });

  it("refuses to change the total once the open session has been paid, and fulfils that payment", async () => {
    const { client, orderId, sessionId } = await pendingOrderWithSession({ quantity: 1 });
    const paid = stack.stripe.completeSession(sessionId);
    const refused = await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" });
    expect(refused.status).toBe(409);
    expect((await refused.text()).replaceAll("<!-- -->", "")).toContain("This order has just been paid");
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ totalMinor: 3000, discountCodeId: null, stripeSessionId: sessionId });

    await deliver("checkout.session.completed", sessionId);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "PAID");
    expect(order).toMatchObject({ status: "PAID", totalMinor: 3000, stripePaymentIntentId: paid.payment_intent });
  });
});

describe("fulfilment verifies what was paid", () => {
  it("refunds a payment whose amount differs from the order's total, leaves the order unpaid and alerts operators", async () => {
    const { orderId, type, sessionId } = await pendingOrderWithSession();
    // The order's total moved without the session being replaced (e.g. a session opened before this rule).
    await db.order.update({ where: { id: orderId }, data: { totalMinor: 5400, discountMinor: 600 } });
    const paid = await complete(sessionId);

    const alert = await rejectionAlert(sessionId);
    expect(alert).toMatchObject({ severity: "CRITICAL", context: expect.objectContaining({ reason: "amount_mismatch", orderTotalMinor: 5400, amountPaidMinor: 6000 }) });
    expect(refundsOf(paid.payment_intent)).toEqual([6000]);
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: true } });
    expect(order).toMatchObject({ status: "PENDING", paidAt: null, stripeSessionId: null, stripePaymentIntentId: null });
    expect(order.tickets.every((t) => t.status === "HELD")).toBe(true);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).toMatchObject({ soldCount: 0, heldCount: 2 });
  });

  it("refunds a payment in another currency", async () => {
    const { orderId, sessionId } = await pendingOrderWithSession({ quantity: 1 });
    await db.order.update({ where: { id: orderId }, data: { currency: "GBP" } });
    const paid = await complete(sessionId);
    expect((await rejectionAlert(sessionId))?.context).toMatchObject({ reason: "currency_mismatch", currencyPaid: "eur", orderCurrency: "GBP" });
    expect(refundsOf(paid.payment_intent)).toEqual([3000]);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("PENDING");
  });

  it("alerts operators at once when Stripe will not refund a rejected payment", async () => {
    const { orderId, sessionId } = await pendingOrderWithSession({ quantity: 1 });
    await db.order.update({ where: { id: orderId }, data: { totalMinor: 2900 } });
    const paid = stack.stripe.completeSession(sessionId);
    // Someone refunded part of it in Stripe's dashboard first: a full refund is now more than is left.
    stack.stripe.refundInDashboard(String(paid.payment_intent), 100);
    await deliver("checkout.session.completed", sessionId);
    const alert = await waitFor(() => db.operatorAlert.findFirst({ where: { kind: "payment.refund_failed", context: { path: ["stripeSessionId"], equals: sessionId } } }), Boolean);
    expect(alert).toMatchObject({ severity: "CRITICAL", message: expect.stringContaining("Refund amount (3000) is greater than unrefunded amount") });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("PENDING");
  });

  it("refunds a second payment of an order already paid, once however often its event arrives", async () => {
    const { client, orderId, sessionId } = await pendingOrderWithSession({ quantity: 1 });
    const first = await complete(sessionId);
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "PAID");
    expect((await client.post(`/checkout/${orderId}`, { intent: "pay" })).status).toBe(409);

    const { default: Stripe } = await import("stripe");
    const api = new Stripe(stack.stripe.secretKey, { host: "127.0.0.1", port: new URL(stack.stripe.url).port, protocol: "http" });
    const other = await api.checkout.sessions.create({
      mode: "payment",
      line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 3000, product_data: { name: "10K" } } }],
      metadata: { orderId },
      success_url: "http://localhost/ok",
    });
    const second = stack.stripe.completeSession(other.id);
    const events = await Promise.all([1, 2, 3].map(() => deliver("checkout.session.completed", other.id)));
    await Promise.all(events.map((e) => processed(e.id)));
    expect((await rejectionAlert(other.id))?.context).toMatchObject({ reason: "order_already_paid" });
    expect(await db.operatorAlert.count({ where: { dedupeKey: `payment-rejected:${other.id}` } })).toBe(1);
    expect(refundsOf(second.payment_intent)).toEqual([3000]);
    expect(refundsOf(first.payment_intent)).toEqual([]);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PAID", stripeSessionId: sessionId, stripePaymentIntentId: first.payment_intent, refundedMinor: 0 });
  });
});
