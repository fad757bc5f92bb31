import { describe, expect, it } from "vitest";
import { getQueue } from "~/jobs/queues.server";
import { releaseExpiredHolds } from "~/services/hold-releases.server";
import { db } from "~/utils/db.server";
import { stripeEvent } from "../mocks/stripe";
import { buyerReadyToPay, holdPlaces, pay, raceForSale } from "../support/checkout";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Releasing a pending order's places ends its Checkout Session (ADR 0023): a job keyed by the session expires it at
 * Stripe after the release, so the buyer cannot pay for places that are gone. Web and worker are real processes.
 */
const WEBHOOK_SECRET = "whsec_released_sessions";
const stack = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

const expireCalls = (sessionId: string) => stack.stripe.callsTo("POST", `/v1/checkout/sessions/${sessionId}/expire`);
const expiryJob = (sessionId: string) => getQueue("stripe").getJob(`checkout.expire-session-${sessionId}`);
const finishedExpiry = (sessionId: string) => waitFor(() => expiryJob(sessionId), (job) => Boolean(job?.finishedOn));

async function checkoutWithOpenSession() {
  const sale = await raceForSale();
  const buyer = await buyerReadyToPay(stack.web.url, sale);
  const sessionId = await pay(buyer.client, buyer.orderId);
  expect(stack.stripe.session(sessionId).status).toBe("open");
  return { sale, ...buyer, sessionId };
}

describe("a released order's Checkout Session is expired", () => {
  it("when its hold runs out (housekeeping)", async () => {
    const { orderId, sessionId } = await checkoutWithOpenSession();
    await db.order.update({ where: { id: orderId }, data: { holdExpiresAt: new Date(Date.now() - 1000) } });
    await releaseExpiredHolds();
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("EXPIRED");

    expect((await finishedExpiry(sessionId))?.returnvalue).toEqual({ sessionId, outcome: "expired" });
    expect(stack.stripe.session(sessionId)).toMatchObject({ status: "expired", url: null });
    expect(expireCalls(sessionId)).toHaveLength(1);
  });

  it("when the buyer cancels the checkout", async () => {
    const { client, orderId, sessionId } = await checkoutWithOpenSession();
    expect((await client.post(`/checkout/${orderId}`, { intent: "cancel" })).status).toBe(302);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("CANCELLED");
    await finishedExpiry(sessionId);
    expect(stack.stripe.session(sessionId).status).toBe("expired");
  });

  it("when the buyer starts a new order for the race", async () => {
    const { sale, client, orderId, sessionId } = await checkoutWithOpenSession();
    const next = await holdPlaces(client, sale, 2);
    expect(next).not.toBe(orderId);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("CANCELLED");
    await finishedExpiry(sessionId);
    expect(stack.stripe.session(sessionId).status).toBe("expired");
  });

  it("but not again when Stripe expired it itself, nor when the race's cancellation already did", async () => {
    const stripeExpired = await checkoutWithOpenSession();
    stack.stripe.expireSession(stripeExpired.sessionId);
    await stack.deliver([stripeEvent("checkout.session.expired", stack.stripe.session(stripeExpired.sessionId))]);
    expect((await db.order.findUniqueOrThrow({ where: { id: stripeExpired.orderId } })).status).toBe("EXPIRED");
    // The event's handling queues any expiry before the event is marked processed.
    expect(await expiryJob(stripeExpired.sessionId)).toBeUndefined();
    expect(expireCalls(stripeExpired.sessionId)).toHaveLength(0);

    const cancelled = await checkoutWithOpenSession();
    const organiser = await loggedIn(stack.web.url, cancelled.sale.owner.email);
    expect((await organiser.post(`/organiser/races/${cancelled.sale.race.id}?index`, { intent: "cancel" })).status).toBe(200);
    expect((await db.order.findUniqueOrThrow({ where: { id: cancelled.orderId } })).status).toBe("CANCELLED");
    expect(stack.stripe.session(cancelled.sessionId).status).toBe("expired");
    expect(await expiryJob(cancelled.sessionId)).toBeUndefined();
    expect(expireCalls(cancelled.sessionId)).toHaveLength(1);
  });

  it("unless it was paid first: that payment takes the late-payment path", async () => {
    const { orderId, user, sessionId } = await checkoutWithOpenSession();
    // The buyer pays at Stripe just as the hold runs out; the expiry job finds the session complete.
    const paid = stack.stripe.completeSession(sessionId);
    await db.order.update({ where: { id: orderId }, data: { holdExpiresAt: new Date(Date.now() - 1000) } });
    await releaseExpiredHolds();
    expect((await finishedExpiry(sessionId))?.returnvalue).toEqual({ sessionId, outcome: "complete" });
    expect(stack.stripe.session(sessionId).status).toBe("complete");

    // The places are still free, so the late payment takes them again.
    await stack.deliver([stripeEvent("checkout.session.completed", paid)]);
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: true } });
    expect(order).toMatchObject({ status: "PAID", stripePaymentIntentId: paid.payment_intent });
    expect(order.tickets.map((t) => t.status)).toEqual(["ISSUED"]);
    expect(await db.emailMessage.count({ where: { to: user.email, kind: "order_confirmed" } })).toBe(1);
  });
});
