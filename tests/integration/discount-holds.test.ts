import { describe, expect, it } from "vitest";
import { releaseExpiredHolds } from "~/services/hold-releases.server";
import { db } from "~/utils/db.server";
import { buyerReadyToPay, completeAndDeliver, deliverSessionEvent, discountCode, holdPlaces, pay, raceForSale } from "../support/checkout";
import { createUser } from "../support/factories";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * A discount code's use is held with the order (ADR 0023): counted while the order's hold lives, given
 * back when it expires or is cancelled, made final on payment — and refused at payment time when it was
 * lost meanwhile. Web and worker are real processes; Stripe is the double.
 */
const WEBHOOK_SECRET = "whsec_discount_holds";
// Fifty buyers log in from this one address below.
const stack = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

const applyCode = (client: Awaited<ReturnType<typeof loggedIn>>, orderId: string, code: string) => client.post(`/checkout/${orderId}`, { intent: "apply-code", code });
const page = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");
const codeUses = async (codeId: string) => (await db.discountCode.findUniqueOrThrow({ where: { id: codeId } })).redemptionCount;
const deliver = (type: string, sessionId: string) => deliverSessionEvent(stack.stripe, stack.web.url, WEBHOOK_SECRET, type, sessionId);
const complete = (sessionId: string) => completeAndDeliver(stack.stripe, stack.web.url, WEBHOOK_SECRET, sessionId);
const processed = (eventId: string) => waitFor(() => db.stripeEvent.findUniqueOrThrow({ where: { id: eventId } }), (e) => e.processedAt !== null);

/** Lets an order's hold run out and runs the housekeeping release now (the worker's sweep may get there first). */
async function expireHold(orderId: string) {
  await db.order.update({ where: { id: orderId }, data: { holdExpiresAt: new Date(Date.now() - 1000) } });
  await releaseExpiredHolds();
  expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("EXPIRED");
}

describe("a code's use is held with the order", () => {
  it("counts the use while the hold lives and gives it back when the hold expires", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { maxRedemptions: 1 });
    const first = await buyerReadyToPay(stack.web.url, sale);
    const second = await buyerReadyToPay(stack.web.url, sale);

    expect((await applyCode(first.client, first.orderId, "half")).status).toBe(200);
    expect(await codeUses(code.id)).toBe(1);
    const refused = await applyCode(second.client, second.orderId, "HALF");
    expect(refused.status).toBe(400);
    expect(await page(refused)).toContain("This code has been used the maximum number of times.");
    // Applying it again to the order that holds it is not a second use.
    expect((await applyCode(first.client, first.orderId, "HALF")).status).toBe(200);
    expect(await codeUses(code.id)).toBe(1);

    await expireHold(first.orderId);
    expect(await codeUses(code.id)).toBe(0);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id } })).toBe(0);
    expect((await applyCode(second.client, second.orderId, "HALF")).status).toBe(200);
    expect(await codeUses(code.id)).toBe(1);
  });

  it("gives the use back when the buyer cancels, removes the code, or Stripe expires the order's session", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { maxRedemptions: 5 });
    const cancelling = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(cancelling.client, cancelling.orderId, "HALF")).status).toBe(200);
    const removing = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(removing.client, removing.orderId, "HALF")).status).toBe(200);
    const abandoning = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(abandoning.client, abandoning.orderId, "HALF")).status).toBe(200);
    expect(await codeUses(code.id)).toBe(3);

    expect((await cancelling.client.post(`/checkout/${cancelling.orderId}`, { intent: "cancel" })).status).toBe(302);
    expect(await codeUses(code.id)).toBe(2);
    expect((await removing.client.post(`/checkout/${removing.orderId}`, { intent: "remove-code" })).status).toBe(200);
    expect(await codeUses(code.id)).toBe(1);
    expect(await db.order.findUniqueOrThrow({ where: { id: removing.orderId } })).toMatchObject({ discountCodeId: null, discountMinor: 0, totalMinor: 3000 });

    const sessionId = await pay(abandoning.client, abandoning.orderId);
    stack.stripe.expireSession(sessionId);
    await processed((await deliver("checkout.session.expired", sessionId)).id);
    expect((await db.order.findUniqueOrThrow({ where: { id: abandoning.orderId } })).status).toBe("EXPIRED");
    expect(await codeUses(code.id)).toBe(0);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id } })).toBe(0);
  });

  it("refunds a late payment whose code was used up meanwhile, leaves its order unpaid and alerts operators", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { maxRedemptions: 1 });
    const late = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(late.client, late.orderId, "HALF")).status).toBe(200);
    const lateSession = await pay(late.client, late.orderId);
    await expireHold(late.orderId);

    const prompt = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(prompt.client, prompt.orderId, "HALF")).status).toBe(200);
    await complete(await pay(prompt.client, prompt.orderId));
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: prompt.orderId } }), (o) => o.status === "PAID");

    const paid = await complete(lateSession);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: late.orderId }, include: { tickets: true } }), (o) => o.status === "REFUNDED");
    expect(order).toMatchObject({ status: "REFUNDED", refundedMinor: 1500, paidAt: null });
    expect(order.tickets.every((t) => t.status === "CANCELLED")).toBe(true);
    expect(stack.stripe.refunds.filter((r) => r.payment_intent === paid.payment_intent).map((r) => r.amount)).toEqual([1500]);
    expect(await codeUses(code.id)).toBe(1);
    expect(await db.discountRedemption.findMany({ where: { discountCodeId: code.id }, select: { orderId: true } })).toEqual([{ orderId: prompt.orderId }]);
    const alert = await waitFor(() => db.operatorAlert.findFirst({ where: { kind: "payment.discount_lost", context: { path: ["orderId"], equals: late.orderId } } }), Boolean);
    expect(alert).toMatchObject({ severity: "WARNING", resolvedAt: null });
    const email = await waitFor(() => db.emailMessage.findFirst({ where: { to: late.user.email, kind: "discount_lost_refunded" } }), Boolean);
    expect(email?.text).toContain("We have refunded €15.00 in full");
  });

  it("holds the per-buyer limit across two orders of the same buyer", async () => {
    const sale = await raceForSale();
    const code = await discountCode(sale.race.id, { perUserLimit: 1 });
    const { user, client, orderId: firstOrder } = await buyerReadyToPay(stack.web.url, sale);
    expect((await applyCode(client, firstOrder, "HALF")).status).toBe(200);
    const firstSession = await pay(client, firstOrder);

    // Starting again cancels the first order (and gives its use back); the second order takes the code and is paid.
    const secondOrder = await holdPlaces(client, sale);
    expect((await db.order.findUniqueOrThrow({ where: { id: firstOrder } })).status).toBe("CANCELLED");
    expect((await applyCode(client, secondOrder, "HALF")).status).toBe(200);
    await complete(await pay(client, secondOrder));
    await waitFor(() => db.order.findUniqueOrThrow({ where: { id: secondOrder } }), (o) => o.status === "PAID");

    // The first order's page was still open and gets paid: the buyer has used their one use.
    const paid = await complete(firstSession);
    const first = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: firstOrder } }), (o) => o.status === "REFUNDED");
    expect(first).toMatchObject({ status: "REFUNDED", paidAt: null });
    expect(stack.stripe.refunds.filter((r) => r.payment_intent === paid.payment_intent).map((r) => r.amount)).toEqual([1500]);
    expect(await codeUses(code.id)).toBe(1);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id, email: user.email.toLowerCase() } })).toBe(1);

    const third = await holdPlaces(client, sale);
    const refused = await applyCode(client, third, "HALF");
    expect(refused.status).toBe(400);
    expect(await page(refused)).toContain("You have already used this code as many times as it allows.");
  });

  it("lets exactly one of 50 buyers applying a single-use code at once pay with it", { timeout: 180_000 }, async () => {
    const sale = await raceForSale({ capacity: 60 });
    const code = await discountCode(sale.race.id, { maxRedemptions: 1 });
    const buyers = await Promise.all(Array.from({ length: 50 }, () => createUser()));
    const ready = [];
    for (const buyer of buyers) ready.push(await buyerReadyToPay(stack.web.url, sale, { buyer }));

    const replies = await Promise.all(ready.map(({ client, orderId }) => applyCode(client, orderId, "HALF")));
    expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(49).fill(400)]);
    expect(await codeUses(code.id)).toBe(1);

    const sessions = await Promise.all(ready.map(({ client, orderId }) => pay(client, orderId)));
    await Promise.all(sessions.map((id) => complete(id)));
    const orderIds = ready.map((r) => r.orderId);
    const orders = await waitFor(
      () => db.order.findMany({ where: { id: { in: orderIds } } }),
      (all) => all.every((o) => o.status === "PAID"),
      60_000,
    );
    expect(orders.filter((o) => o.status === "PAID")).toHaveLength(50);
    expect(orders.filter((o) => o.discountMinor > 0).map((o) => o.totalMinor)).toEqual([1500]);
    expect(await codeUses(code.id)).toBe(1);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id, redeemedAt: { not: null } } })).toBe(1);
  });
});
