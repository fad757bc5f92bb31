import { describe, expect, it } from "vitest";
import { creditBalance, expireCredits, grantCredits, spendCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { stripeEvent } from "../mocks/stripe";
import { createUser } from "../support/factories";
import { openEventStream, type Client, type SseEvent } from "../support/http";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_membership_tests";
// Credits pay for AI help: the key makes packs go on sale (no AI job runs here).
const { web, stripe, deliver } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET }, env: { OPENAI_API_KEY: "sk-test" } });

type MembershipDelta = { type: "membership"; membership: { status: string; currentPeriodEnd: string | null; cancelAtPeriodEnd: boolean; planName: string } };
const membershipDelta = (test: (m: MembershipDelta["membership"]) => boolean) => (e: SseEvent) =>
  e.event === "delta" && (e.data as { type: string }).type === "membership" && test((e.data as MembershipDelta).membership);

async function stripeMembership() {
  const user = await createUser();
  const client = await loggedIn(web.url, user.email);
  const response = await client.post("/billing", { intent: "start-membership" });
  expect(response.status).toBe(302);
  const { subscription, invoice } = stripe.completeSubscriptionSession(response.headers.get("Location")!.split("/").pop()!);
  return { user, client, subscription, invoice };
}

describe("membership status, plan and period end are live (Stripe)", () => {
  it("sends every change to the open /account/live streams, and each new snapshot carries the membership", async () => {
    const { user, client, subscription, invoice } = await stripeMembership();
    const [tab1, tab2] = await Promise.all([openEventStream(client, "/account/live"), openEventStream(client, "/account/live")]);
    try {
      const first = await tab1.next((e) => e.event === "snapshot");
      expect((first.data as { membership: { status: string } }).membership.status).toBe("INCOMPLETE");
      await tab2.next((e) => e.event === "snapshot");

      await deliver([stripe.eventFor("invoice.paid", invoice)]);
      const periodEnd = new Date(subscription.items.data[0]!.current_period_end * 1000).toISOString();
      for (const tab of [tab1, tab2]) {
        const active = await tab.next(membershipDelta((m) => m.status === "ACTIVE"));
        expect((active.data as MembershipDelta).membership).toMatchObject({ status: "ACTIVE", currentPeriodEnd: periodEnd, cancelAtPeriodEnd: false, planName: "Monthly membership" });
        expect((await tab.next((e) => (e.data as { type: string }).type === "credits.balance")).data).toEqual({ type: "credits.balance", balance: 150 });
      }

      const renewal = stripe.renewSubscription(subscription.id, { paid: false });
      await deliver([stripe.eventFor("invoice.payment_failed", renewal)]);
      await tab1.next(membershipDelta((m) => m.status === "PAST_DUE"));

      stripe.subscription(subscription.id).status = "active";
      await deliver([stripe.eventFor("invoice.paid", { ...renewal, status: "paid", amount_paid: renewal.amount_due, amount_remaining: 0 })]);
      const renewedEnd = new Date(stripe.subscription(subscription.id).items.data[0]!.current_period_end * 1000).toISOString();
      await tab1.next(membershipDelta((m) => m.status === "ACTIVE" && m.currentPeriodEnd === renewedEnd));

      await deliver([stripe.eventFor("customer.subscription.updated", stripe.cancelSubscription(subscription.id, { atPeriodEnd: true }))]);
      await tab2.next(membershipDelta((m) => m.cancelAtPeriodEnd));
      await deliver([stripe.eventFor("customer.subscription.deleted", stripe.cancelSubscription(subscription.id))]);
      await tab2.next(membershipDelta((m) => m.status === "CANCELED"));
    } finally {
      await Promise.all([tab1.close(), tab2.close()]);
    }
    const again = await openEventStream(client, "/account/live");
    try {
      const snapshot = await again.next((e) => e.event === "snapshot");
      expect(snapshot.data).toMatchObject({ creditBalance: 300, membership: { status: "CANCELED" } });
    } finally {
      await again.close();
    }
    expect(await creditBalance(user.id)).toBe(300);
  });

  it("ignores a declined attempt whose retry Stripe already took, and never revives a cancelled membership however events interleave", async () => {
    const { user, subscription, invoice } = await stripeMembership();
    await deliver([stripe.eventFor("invoice.paid", invoice)]);

    const renewal = stripe.renewSubscription(subscription.id, { paid: false });
    const declined = stripe.eventFor("invoice.payment_failed", renewal);
    stripe.subscription(subscription.id).status = "active";
    await deliver([declined]);
    expect((await db.membership.findUniqueOrThrow({ where: { userId: user.id } })).status).toBe("ACTIVE");
    expect(await db.notification.count({ where: { userId: user.id, kind: "membership_past_due" } })).toBe(0);

    // The cancellation and a stale "paid" / "updated active" land at once, several times: cancelled it stays.
    const deleted = stripe.eventFor("customer.subscription.deleted", stripe.cancelSubscription(subscription.id));
    const stalePaid = stripe.eventFor("invoice.paid", invoice);
    const staleUpdated = stripeEvent("customer.subscription.updated", { ...stripe.subscription(subscription.id), status: "active" });
    await deliver([deleted, stalePaid, staleUpdated], 3);
    const membership = await db.membership.findUniqueOrThrow({ where: { userId: user.id } });
    expect(membership.status).toBe("CANCELED");
    expect(await creditBalance(user.id)).toBe(150);
  });
});

describe("what is left of each purchase, and when the balance's credits expire", () => {
  async function paidPack(userId: string, credits: number, expiresAt: Date) {
    const purchase = await db.creditPurchase.create({ data: { userId, kind: "PACK", product: "pack_50", credits, amountMinor: 500, currency: "EUR", status: "PAID", paidAt: new Date() } });
    await grantCredits({ userId, amount: credits, description: `Starter pack: ${credits} credits`, idempotencyKey: `test-pack:${purchase.id}`, expiresAt, purchaseId: purchase.id });
    return purchase;
  }

  it("shows 'used up', 'expired' and what is left, and breaks the balance down by expiry date", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const inAYear = new Date(Date.UTC(2027, 11, 24, 12));
    const inAMonth = new Date(Date.UTC(2027, 0, 9, 12));
    await paidPack(user.id, 50, new Date(Date.now() + 3_000));
    await expireCreditsAfter(3_500);
    const spent = await paidPack(user.id, 50, inAYear);
    await spendCredits({ userId: user.id, amount: 50, description: "AI job", idempotencyKey: `test-spend:${spent.id}` });
    await paidPack(user.id, 50, inAYear);
    await paidPack(user.id, 30, inAMonth);
    await grantCredits({ userId: user.id, amount: 7, description: "Goodwill", idempotencyKey: `test-adjust:${user.id}`, kind: "ADJUSTMENT" });

    const page = await (await client.request("/billing", { headers: { "Accept-Language": "en-GB" } })).text();
    expect(page).toContain("used up");
    expect(page).toContain("expired · 50 credits unused on");
    expect(page).toContain("50 credits left · expire 24 Dec 2027");
    expect(page).toContain("30 credits expire on 9 Jan 2027");
    expect(page).toContain("50 credits expire on 24 Dec 2027");
    expect(page).toContain("7 credits never expire");
    expect(page).toMatch(/data-testid="billing-balance">87 credits</);
  });

  async function expireCreditsAfter(ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    expect(await expireCredits()).toBeGreaterThanOrEqual(1);
  }

  it("explains what credits buy next to the packs", async () => {
    const client = await loggedIn(web.url, (await createUser()).email);
    const page = await (await client.request("/billing")).text();
    expect(page).toContain("Credits pay for AI help: draft a race description (5 credits), summarise a waiver in plain words (3 credits), answer a question about a race (1 credit).");
    expect(page).toContain("Buy 50 credits");
  });
});

describe("without AI help nothing spends credits, so packs are not sold", () => {
  const { web: noAiWeb } = useStack({ env: { REDIS_PREFIX: `${process.env.REDIS_PREFIX}-noai` } });

  it("hides the packs and refuses a crafted purchase with a 400, creating nothing", async () => {
    const user = await createUser();
    const client = await loggedIn(noAiWeb.url, user.email);
    const page = await (await client.request("/billing")).text();
    expect(page).not.toContain("Buy 50 credits");
    expect(page).toContain("credit packs are not on sale");
    const response = await client.post("/billing", { intent: "buy-pack", packId: "pack_50" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Credit packs are not on sale here");
    expect(await db.creditPurchase.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe("memberships in demo payment mode, through the signed webhook path", () => {
  // Its own Redis prefix, so the Stripe-configured worker above never takes a demo event.
  const { web: demoWeb } = useStack({ worker: true, env: { REDIS_PREFIX: `${process.env.REDIS_PREFIX}-demo-members` } });

  const membershipOf = (userId: string) => db.membership.findUniqueOrThrow({ where: { userId } });
  const step = async (client: Client, event: string) => client.post("/billing", { intent: "demo-membership", event });
  const settled = async (userId: string, done: (m: Awaited<ReturnType<typeof membershipOf>>, balance: number) => boolean) => {
    const read = async () => ({ membership: await membershipOf(userId), balance: await creditBalance(userId) });
    const { membership, balance } = await waitFor(read, (r) => done(r.membership, r.balance));
    expect(done(membership, balance), `membership ${JSON.stringify(membership)} with ${balance} credits`).toBe(true);
    // Every event the step posted is in the inbox before the page answers; all of them are processed now.
    await waitFor(() => db.stripeEvent.count({ where: { processedAt: null, id: { startsWith: "evt_demo_" } } }), (n) => n === 0);
    return membership;
  };

  it("subscribes, renews, fails a renewal, pays it, cancels at the period end and ends, granting each paid period once", async () => {
    const user = await createUser();
    const client = await loggedIn(demoWeb.url, user.email);
    const started = await client.post("/billing", { intent: "start-membership" });
    expect(started.status).toBe(302);
    expect(started.headers.get("Location")).toBe("/billing/membership/demo-pay");
    expect(await (await client.request("/billing/membership/demo-pay")).text()).toContain("Subscribe for €9.00 a month (demo)");

    // A double click: the second either pays the same invoice again (granted once) or finds nothing left to pay.
    const [paid, paidAgain] = await Promise.all([client.post("/billing/membership/demo-pay", {}), client.post("/billing/membership/demo-pay", {})]);
    expect(paid.status).toBe(302);
    expect([302, 409]).toContain(paidAgain.status);
    expect(paid.headers.get("Location")).toBe("/billing?membership=started");
    const active = await settled(user.id, (m, b) => m.status === "ACTIVE" && b === 150);
    expect(active.stripeSubscriptionId).toMatch(/^sub_demo_/);
    const paidEvents = await db.stripeEvent.count({ where: { type: "invoice.paid", payload: { path: ["data", "object", "parent", "subscription_details", "subscription"], equals: active.stripeSubscriptionId! } } });
    expect(paidEvents).toBe(paidAgain.status === 302 ? 2 : 1);
    expect(await creditBalance(user.id), "a double click on Subscribe pays one invoice").toBe(150);
    expect((await client.request("/billing/membership/demo-pay")).status, "nothing left to pay").toBe(409);
    const firstEnd = active.currentPeriodEnd!;

    expect((await step(client, "renew")).status).toBe(302);
    const renewed = await settled(user.id, (m, b) => b === 300 && m.currentPeriodEnd!.getTime() > firstEnd.getTime());
    expect(renewed.status).toBe("ACTIVE");
    const secondEnd = renewed.currentPeriodEnd!;
    expect(secondEnd.getUTCMonth()).toBe((firstEnd.getUTCMonth() + 1) % 12);

    expect((await step(client, "fail-renewal")).status).toBe(302);
    const pastDue = await settled(user.id, (m) => m.status === "PAST_DUE" && m.currentPeriodEnd!.getTime() > secondEnd.getTime());
    expect(await creditBalance(user.id)).toBe(300);
    expect(await db.notification.count({ where: { userId: user.id, kind: "membership_past_due" } })).toBe(1);

    expect((await step(client, "renew")).status).toBe(302);
    const recovered = await settled(user.id, (m, b) => m.status === "ACTIVE" && b === 450);
    expect(recovered.currentPeriodEnd, "paying the overdue invoice keeps its period").toEqual(pastDue.currentPeriodEnd);
    expect(await db.creditPurchase.count({ where: { userId: user.id, kind: "MEMBERSHIP", status: "PAID" } })).toBe(3);

    expect((await step(client, "cancel")).status).toBe(302);
    await settled(user.id, (m) => m.status === "ACTIVE" && m.cancelAtPeriodEnd);
    const noRenewal = await step(client, "renew");
    expect(noRenewal.status).toBe(409);
    expect(await noRenewal.text()).toContain("does not renew");
    expect((await step(client, "cancel")).status).toBe(409);
    const page = await (await client.request("/billing", { headers: { "Accept-Language": "en-GB" } })).text();
    expect(page).toContain("Ends");

    expect((await step(client, "end")).status).toBe(302);
    await settled(user.id, (m) => m.status === "CANCELED");
    expect((await step(client, "renew")).status, "nothing runs any more").toBe(409);
    expect(await creditBalance(user.id)).toBe(450);

    // Subscribing again starts a new subscription.
    expect((await client.post("/billing", { intent: "start-membership" })).status).toBe(302);
    expect((await client.post("/billing/membership/demo-pay", {})).status).toBe(302);
    const again = await settled(user.id, (m, b) => m.status === "ACTIVE" && b === 600);
    expect(again.stripeSubscriptionId).not.toBe(active.stripeSubscriptionId);
  });

  it("answers bad input and steps that do not apply with a clear 4xx, and writes nothing", async () => {
    const user = await createUser();
    const client = await loggedIn(demoWeb.url, user.email);
    expect((await step(client, "renew")).status).toBe(409);
    expect((await step(client, "double-the-credits")).status).toBe(400);
    expect((await client.request("/billing/membership/demo-pay")).status).toBe(409);
    expect((await client.post("/billing/membership/demo-pay", {})).status).toBe(409);
    expect(await db.membership.count({ where: { userId: user.id } })).toBe(0);
    expect(await creditBalance(user.id)).toBe(0);
  });

  it("does not exist when payments go through Stripe", async () => {
    const client = await loggedIn(web.url, (await createUser()).email);
    expect((await client.request("/billing/membership/demo-pay")).status).toBe(404);
    expect((await client.post("/billing", { intent: "demo-membership", event: "renew" })).status).toBe(404);
  });
});
