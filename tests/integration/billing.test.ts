import { describe, expect, it } from "vitest";
import { creditBalance } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { stripeEvent } from "../mocks/stripe";
import { createUser } from "../support/factories";
import { openEventStream, type Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_billing_tests";
// Credits pay for AI help: the key puts packs on sale (no AI job runs here).
const { web, stripe, post, processed } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET }, env: { OPENAI_API_KEY: "sk-test" } });
const deliver = (event: ReturnType<typeof stripeEvent>, times = 1) => post([event], times);

async function buyPack(client: Client, packId = "pack_200") {
  const response = await client.post("/billing", { intent: "buy-pack", packId });
  expect(response.status).toBe(302);
  return response.headers.get("Location")!;
}

async function startMembership() {
  const user = await createUser();
  const client = await loggedIn(web.url, user.email);
  const response = await client.post("/billing", { intent: "start-membership" });
  expect(response.status).toBe(302);
  const sessionId = response.headers.get("Location")!.split("/").pop()!;
  const { session, subscription, invoice } = stripe.completeSubscriptionSession(sessionId);
  return { user, client, session, subscription, invoice };
}

describe("buying a credit pack through Stripe Checkout", () => {
  it("opens a payment-mode session with the pack's price, an idempotency key and metadata naming the purchase", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const first = await buyPack(client);
    expect(first).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(await buyPack(client), "a second click continues the same purchase").toBe(first);
    expect(await db.creditPurchase.count({ where: { userId: user.id } })).toBe(1);
    const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
    expect(purchase).toMatchObject({ kind: "PACK", product: "pack_200", credits: 200, amountMinor: 1500, currency: "EUR", status: "PENDING" });
    const call = stripe.callsTo("POST", "/v1/checkout/sessions").find((c) => (c.params.metadata as Record<string, string>).purchaseId === purchase.id)!;
    expect(call.params).toMatchObject({ mode: "payment", metadata: { kind: "credit_pack", purchaseId: purchase.id } });
    expect(call.idempotencyKey).toBe(`credit-pack-${purchase.id}`);
    expect(Object.values(call.params.line_items as Record<string, { price_data: { unit_amount: string } }>)[0]!.price_data.unit_amount).toBe("1500");
  });

  it("refuses a pack that is not in the catalog with a 400 and creates nothing", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const response = await client.post("/billing", { intent: "buy-pack", packId: "pack_free_lunch" });
    expect(response.status).toBe(400);
    expect(await db.creditPurchase.count({ where: { userId: user.id } })).toBe(0);
  });

  it("grants once when the completed event arrives ten times and a second event for the same session follows", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    await buyPack(client);
    const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
    const session = stripe.completeSession(purchase.stripeSessionId!);
    const completed = stripeEvent("checkout.session.completed", session);
    const asyncSucceeded = stripeEvent("checkout.session.async_payment_succeeded", session);
    await deliver(completed, 10);
    await deliver(asyncSucceeded, 3);
    await processed(completed.id, asyncSucceeded.id);

    expect(await creditBalance(user.id)).toBe(200);
    const grants = await db.creditEntry.findMany({ where: { userId: user.id } });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ kind: "GRANT", amount: 200, purchaseId: purchase.id, remaining: 200 });
    const monthsValid = (grants[0]!.expiresAt!.getTime() - Date.now()) / (30 * 86_400_000);
    expect(monthsValid).toBeGreaterThan(11.5);
    expect(await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } })).toMatchObject({ status: "PAID" });
    expect(await db.notification.count({ where: { userId: user.id, kind: "credits_granted" } })).toBe(1);
  });

  it("grants nothing for a forged 'paid' event of a session Stripe says is unpaid", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    await buyPack(client, "pack_50");
    const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
    const forged = stripeEvent("checkout.session.completed", { ...stripe.session(purchase.stripeSessionId!), payment_status: "paid" });
    await deliver(forged);
    await processed(forged.id);
    expect(await creditBalance(user.id)).toBe(0);
    expect((await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } })).status).toBe("PENDING");

    const expired = stripeEvent("checkout.session.expired", { ...stripe.session(purchase.stripeSessionId!), status: "expired" });
    await deliver(expired);
    await processed(expired.id);
    expect((await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } })).status).toBe("EXPIRED");
    expect(await creditBalance(user.id)).toBe(0);
  });

  it("pushes the new balance to an open /account/live stream after the grant", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const stream = await openEventStream(client, "/account/live");
    try {
      await stream.next((e) => (e.data as { type: string }).type === "snapshot");
      await buyPack(client, "pack_50");
      const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
      await deliver(stripeEvent("checkout.session.completed", stripe.completeSession(purchase.stripeSessionId!)));
      const update = await stream.next((e) => (e.data as { type: string; balance?: number }).type === "credits.balance", 15_000);
      expect(update.data).toEqual({ type: "credits.balance", balance: 50 });
    } finally {
      await stream.close();
    }
  });

  it("still fulfils race orders through the same event type (no kind in the metadata)", async () => {
    const { checkoutKind } = await import("~/services/billing.server");
    expect(checkoutKind({ mode: "payment", metadata: { orderId: "o1" } })).toBe("race_order");
    expect(checkoutKind({ mode: "payment", metadata: { kind: "credit_pack", purchaseId: "p1" } })).toBe("credit_pack");
    expect(checkoutKind({ mode: "subscription", metadata: {} })).toBe("membership");
  });
});

describe("memberships", () => {
  it("starts a subscription-mode session for a Stripe customer created once", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const first = await client.post("/billing", { intent: "start-membership" });
    const again = await client.post("/billing", { intent: "start-membership" });
    expect(first.status).toBe(302);
    expect(again.headers.get("Location")).toBe(first.headers.get("Location"));
    const { stripeCustomerId } = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stripeCustomerId).toMatch(/^cus_/);
    expect(stripe.callsTo("POST", "/v1/customers").filter((c) => (c.params.metadata as Record<string, string>).userId === user.id)).toHaveLength(1);
    const call = stripe.callsTo("POST", "/v1/checkout/sessions").find((c) => c.params.customer === stripeCustomerId)!;
    expect(call.params).toMatchObject({ mode: "subscription", metadata: { kind: "membership", userId: user.id }, subscription_data: { metadata: { kind: "membership" } } });
    expect(await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ status: "INCOMPLETE", plan: "monthly" });
  });

  it("activates on invoice.paid and grants the monthly allowance once per invoice, even when redelivered", async () => {
    const { user, session, subscription, invoice } = await startMembership();
    const completed = stripeEvent("checkout.session.completed", session);
    const paid = stripe.eventFor("invoice.paid", invoice);
    const paidAgain = stripe.eventFor("invoice.paid", invoice);
    await deliver(paid, 5);
    await deliver(paidAgain);
    await deliver(completed);
    await processed(paid.id, paidAgain.id, completed.id);

    expect(await creditBalance(user.id)).toBe(150);
    const periodEnd = new Date(subscription.items.data[0]!.current_period_end * 1000);
    expect(await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ status: "ACTIVE", stripeSubscriptionId: subscription.id, currentPeriodEnd: periodEnd });
    const grant = await db.creditEntry.findFirstOrThrow({ where: { userId: user.id } });
    expect(grant.expiresAt!.getTime()).toBe(periodEnd.getTime() + 30 * 86_400_000);
    expect(await db.creditPurchase.count({ where: { userId: user.id, kind: "MEMBERSHIP", status: "PAID" } })).toBe(1);

    const renewal = stripe.renewSubscription(subscription.id, { paid: true });
    const renewed = stripe.eventFor("invoice.paid", renewal);
    await deliver(renewed, 2);
    await processed(renewed.id);
    expect(await creditBalance(user.id)).toBe(300);
    expect((await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).currentPeriodEnd).toEqual(new Date(subscription.items.data[0]!.current_period_end * 1000));
  });

  it("goes past due when a renewal fails, and cancelled when the subscription is deleted", async () => {
    const { user, subscription, invoice } = await startMembership();
    const paid = stripe.eventFor("invoice.paid", invoice);
    await deliver(paid);
    await processed(paid.id);

    const failed = stripe.eventFor("invoice.payment_failed", stripe.renewSubscription(subscription.id, { paid: false }));
    await deliver(failed, 2);
    await processed(failed.id);
    expect((await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).status).toBe("PAST_DUE");
    expect(await creditBalance(user.id)).toBe(150);
    expect(await db.notification.count({ where: { userId: user.id, kind: "membership_past_due" } })).toBe(1);

    const deleted = stripe.eventFor("customer.subscription.deleted", stripe.cancelSubscription(subscription.id));
    await deliver(deleted);
    await processed(deleted.id);
    expect((await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).status).toBe("CANCELED");

    // A late "updated" event from before the cancellation does not bring it back.
    const stale = stripeEvent("customer.subscription.updated", { ...subscription, status: "active" });
    await deliver(stale);
    await processed(stale.id);
    expect((await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).status).toBe("CANCELED");
  });

  it("records a cancellation at the period end from customer.subscription.updated", async () => {
    const { user, subscription, invoice } = await startMembership();
    const paid = stripe.eventFor("invoice.paid", invoice);
    await deliver(paid);
    await processed(paid.id);
    const updated = stripe.eventFor("customer.subscription.updated", stripe.cancelSubscription(subscription.id, { atPeriodEnd: true }));
    await deliver(updated);
    await processed(updated.id);
    expect(await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ status: "ACTIVE", cancelAtPeriodEnd: true });
  });

  it("shows balance, status and a portal link on /billing, and opens the customer portal", async () => {
    const { user, client, invoice } = await startMembership();
    const paid = stripe.eventFor("invoice.paid", invoice);
    await deliver(paid);
    await processed(paid.id);
    const page = await (await client.request("/billing")).text();
    expect(page).toContain("150 credits");
    expect(page).toContain("Active");
    expect(page).toContain("Monthly membership");
    expect(page).toContain("Manage subscription");
    expect(page).toContain('aria-label="Credit balance: 150 credits"');
    const portal = await client.post("/billing", { intent: "manage-subscription" });
    expect(portal.status).toBe(302);
    expect(portal.headers.get("Location")).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    const { stripeCustomerId } = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stripe.callsTo("POST", "/v1/billing_portal/sessions").at(-1)!.params).toMatchObject({ customer: stripeCustomerId, return_url: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/billing$/) });
  });

  it("refuses a second membership while one is active", async () => {
    const { client, invoice } = await startMembership();
    const paid = stripe.eventFor("invoice.paid", invoice);
    await deliver(paid);
    await processed(paid.id);
    const response = await client.post("/billing", { intent: "start-membership" });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("already have a membership");
  });
});

describe("buying a pack without Stripe (demo payment mode)", () => {
  // Its own Redis prefix, so the Stripe-configured worker above never picks up a demo event.
  const { web: demoWeb } = useStack({ worker: true, env: { REDIS_PREFIX: `${process.env.REDIS_PREFIX}-demo`, OPENAI_API_KEY: "sk-test" } });

  it("pays on the demo page through the signed webhook path and grants the credits once", async () => {
    const user = await createUser();
    const client = await loggedIn(demoWeb.url, user.email);
    const location = await buyPack(client, "pack_50");
    expect(location).toMatch(/^\/billing\/packs\/[^/]+\/demo-pay$/);
    expect(await (await client.request(location)).text()).toContain("Pay €5.00 (demo)");
    const paid = await client.post(location, {});
    expect(paid.status).toBe(302);
    expect(paid.headers.get("Location")).toBe(`/billing?purchase=${location.split("/")[3]}`);

    expect(await waitFor(() => creditBalance(user.id), (b) => b === 50)).toBe(50);
    const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
    expect(purchase.status).toBe("PAID");
    expect(await db.stripeEvent.count({ where: { type: "checkout.session.completed", payload: { path: ["data", "object", "metadata", "purchaseId"], equals: purchase.id } } })).toBe(1);
    // Paying again on the same page does not grant twice. Any event it sends is in the inbox when the page answers.
    await client.post(location, {});
    const unprocessed = { type: "checkout.session.completed", processedAt: null, payload: { path: ["data", "object", "metadata", "purchaseId"], equals: purchase.id } };
    await waitFor(() => db.stripeEvent.count({ where: unprocessed }), (n) => n === 0);
    expect(await creditBalance(user.id)).toBe(50);
    const page = await (await client.request("/billing")).text();
    expect(page).toContain("Starter pack: 50 credits");
    expect(page).not.toContain("Manage subscription");
  });

  it("keeps another user's demo purchase private", async () => {
    const owner = await createUser();
    const location = await buyPack(await loggedIn(demoWeb.url, owner.email), "pack_50");
    const other = await loggedIn(demoWeb.url, (await createUser()).email);
    expect((await other.request(location)).status).toBe(404);
    expect((await other.post(location, {})).status).toBe(404);
  });
});

describe("operator adjustments", () => {
  async function adjustmentForm(client: Client) {
    const page = await (await client.request("/operator/credits")).text();
    return /name="requestKey" value="([^"]+)"/.exec(page)![1]!;
  }

  it("adds credits once per submitted form, takes back no more than the balance, and is for operators only", async () => {
    const operator = await createUser({ role: "OPERATOR", name: "Olga Operator" });
    const target = await createUser();
    const client = await loggedIn(web.url, operator.email);
    const requestKey = await adjustmentForm(client);
    const form = { email: target.email, amount: "40", reason: "Goodwill after an outage", requestKey };
    const replies = await Promise.all([client.post("/operator/credits", form), client.post("/operator/credits", form)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expect(await creditBalance(target.id)).toBe(40);
    expect(await db.creditEntry.findFirstOrThrow({ where: { userId: target.id } })).toMatchObject({ kind: "ADJUSTMENT", amount: 40, description: "Adjustment by Olga Operator: Goodwill after an outage", expiresAt: null });

    const tooMuch = await client.post("/operator/credits", { email: target.email, amount: "-41", reason: "Correction", requestKey: await adjustmentForm(client) });
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.text()).toContain("The balance is 40");
    expect((await client.post("/operator/credits", { email: target.email, amount: "-15", reason: "Correction", requestKey: await adjustmentForm(client) })).status).toBe(200);
    expect(await creditBalance(target.id)).toBe(25);

    const unknown = await client.post("/operator/credits", { email: "nobody@example.com", amount: "5", reason: "Test", requestKey: await adjustmentForm(client) });
    expect(unknown.status).toBe(400);

    const buyer = await loggedIn(web.url, target.email);
    expect((await buyer.request("/operator/credits")).status).toBe(404);
    expect((await buyer.post("/operator/credits", { ...form, requestKey: "8b0f1c3e-4a7d-4b9e-9f00-000000000001" })).status).toBe(404);
    expect(await creditBalance(target.id)).toBe(25);
  });
});
