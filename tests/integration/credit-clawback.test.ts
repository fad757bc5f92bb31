import { describe, expect, it } from "vitest";
import { creditBalance, creditDebt, CreditsOwedError, InsufficientCreditsError, spendCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent } from "../mocks/stripe";
import { createOrganisation, createRace, createUser } from "../support/factories";
import type { Client } from "../support/http";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_credit_clawback";
// AI help is configured so that the AI route's refusal while credits are owed can be seen.
const { web, stripe, deliver } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET }, openai: true });

/** Buys a pack through /billing and Stripe Checkout, as a user does; returns the purchase with its PaymentIntent. */
async function buyPack(client: Client, userId: string, packId: string) {
  const response = await client.post("/billing", { intent: "buy-pack", packId });
  expect(response.status).toBe(302);
  const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId, product: packId, status: "PENDING" }, orderBy: { createdAt: "desc" } });
  await deliver([stripeEvent("checkout.session.completed", stripe.completeSession(purchase.stripeSessionId!))]);
  const paid = await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } });
  expect(paid).toMatchObject({ status: "PAID", stripePaymentIntentId: expect.stringMatching(/^pi_/) as unknown });
  return paid;
}

async function buyer() {
  const user = await createUser();
  return { user, client: await loggedIn(web.url, user.email) };
}

const spend = (userId: string, amount: number, key: string) => spendCredits({ userId, amount, description: "Test spend", idempotencyKey: key });
const clawbacks = (purchaseId: string) => db.creditEntry.findMany({ where: { purchaseId, kind: "CLAWBACK" }, orderBy: { createdAt: "asc" } });
/** Credits still unspent on expiring grants: must never exceed the balance, or expiry would take credits that are gone. */
async function unspentOnGrants(userId: string) {
  const { _sum } = await db.creditEntry.aggregate({ where: { userId, remaining: { gt: 0 } }, _sum: { remaining: true } });
  return _sum.remaining ?? 0;
}

describe("a refunded credit pack", () => {
  it("takes its credits back once, records what was already spent as a debt, and stops AI jobs until a purchase settles it", async () => {
    const { user, client } = await buyer();
    const purchase = await buyPack(client, user.id, "pack_200");
    await spend(user.id, 50, `spent-${user.id}`);
    expect(await creditBalance(user.id)).toBe(150);

    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 1500);
    const refunded = stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!);
    await deliver([refunded, { ...refunded, id: `${refunded.id}_again` }], 4);

    expect(await creditBalance(user.id)).toBe(0);
    expect(await creditDebt(user.id)).toBe(50);
    const [clawback, ...more] = await clawbacks(purchase.id);
    expect(more).toHaveLength(0);
    expect(clawback).toMatchObject({ amount: -150, debtChange: 50, description: "Refund of Race-day pack: credits taken back" });
    expect(await unspentOnGrants(user.id)).toBe(0);
    expect(await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } })).toMatchObject({ refundedMinor: 1500 });
    const notes = await db.notification.findMany({ where: { userId: user.id, kind: "credits_clawed_back" } });
    expect(notes.map((n) => n.body)).toEqual([
      "Your Race-day pack payment was refunded, so 200 credits were taken back: 150 from your balance, and you owe 50 that you had already used. Your next purchase settles it; AI jobs are paused until then.",
    ]);

    await expect(spend(user.id, 1, `after-${user.id}`)).rejects.toBeInstanceOf(CreditsOwedError);
    const { organisation } = await createOrganisation();
    const race = await createRace(organisation.id, { status: "PUBLISHED" });
    const refused = await client.post("/ai-jobs/new", { kind: "RACE_QUESTION", raceId: race.id, question: "Is there parking?" });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: string }).error).toBe(
      "You owe 50 credits because a credit purchase was refunded after they were spent, so AI jobs are paused. Buy credits on the billing page: they settle the debt first.",
    );
    expect(await db.aiJob.count({ where: { userId: user.id } })).toBe(0);
    const page = (await (await client.request("/billing")).text()).replaceAll("<!-- -->", "");
    expect(page).toContain("You owe 50 credits");
    expect(page).toContain("-150 (+50 owed)");
    expect(page).toContain("(€15.00 refunded)");

    // The next pack settles the debt first; the one after is spendable.
    await buyPack(client, user.id, "pack_50");
    expect({ balance: await creditBalance(user.id), owed: await creditDebt(user.id) }).toEqual({ balance: 0, owed: 0 });
    await buyPack(client, user.id, "pack_200");
    expect({ balance: await creditBalance(user.id), owed: await creditDebt(user.id) }).toEqual({ balance: 200, owed: 0 });
    expect(await unspentOnGrants(user.id)).toBe(200);
    await spend(user.id, 5, `settled-${user.id}`);
    expect(await creditBalance(user.id)).toBe(195);
  });

  it("takes back credits in proportion to each partial refund, whatever order the events arrive in", async () => {
    const { user, client } = await buyer();
    const purchase = await buyPack(client, user.id, "pack_500");
    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 1000);
    const first = stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!);
    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 500);
    const second = stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!);
    await deliver([second]);
    await deliver([first]);
    // €15 of €30 refunded: half of 500 credits.
    expect(await creditBalance(user.id)).toBe(250);
    expect((await clawbacks(purchase.id)).map((e) => e.amount)).toEqual([-250]);

    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 100);
    await deliver([stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!)]);
    // €16 of €30: 266 credits (rounded down, in the buyer's favour).
    expect(await creditBalance(user.id)).toBe(234);
    expect((await clawbacks(purchase.id)).map((e) => e.amount)).toEqual([-250, -16]);
  });

  it("gives the credits back when the refund fails at the bank, cancelling the debt first, once", async () => {
    const { user, client } = await buyer();
    const purchase = await buyPack(client, user.id, "pack_200");
    await spend(user.id, 120, `spent-${user.id}`);
    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 1500);
    await deliver([stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!)]);
    expect({ balance: await creditBalance(user.id), owed: await creditDebt(user.id) }).toEqual({ balance: 0, owed: 120 });

    const failed = stripe.failRefund(stripe.refunds.find((r) => r.payment_intent === purchase.stripePaymentIntentId)!.id);
    await deliver([failed, { ...failed, id: `${failed.id}_again` }], 2);
    expect({ balance: await creditBalance(user.id), owed: await creditDebt(user.id) }).toEqual({ balance: 80, owed: 0 });
    expect((await clawbacks(purchase.id)).map((e) => [e.amount, e.debtChange])).toEqual([
      [-80, 120],
      [80, -120],
    ]);
    expect(await db.notification.count({ where: { userId: user.id, kind: "credits_returned" } })).toBe(1);
    expect(await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } })).toMatchObject({ refundedMinor: 0 });
  });

  it("never lets spends racing the clawback take the balance below zero: what they spent becomes the debt", async () => {
    const { user, client } = await buyer();
    const purchase = await buyPack(client, user.id, "pack_50");
    stripe.refundInDashboard(purchase.stripePaymentIntentId!, 500);
    const refunded = stripe.chargeRefundedEvent(purchase.stripePaymentIntentId!);
    const payload = JSON.stringify(refunded);
    const delivered = deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));

    // Four tabs spend a credit at a time, concurrently with the worker's clawback, until refused.
    let spent = 0;
    let counter = 0;
    const spender = async () => {
      for (;;) {
        try {
          await spend(user.id, 1, `race-${user.id}-${(counter += 1)}`);
          spent += 1;
        } catch (error) {
          if (error instanceof InsufficientCreditsError) return error;
          throw error;
        }
      }
    };
    const refusals = await Promise.all([spender(), spender(), spender(), spender()]);
    expect((await delivered).status).toBe(200);
    await waitFor(() => db.stripeEvent.findUniqueOrThrow({ where: { id: refunded.id } }), (event) => event.processedAt !== null);

    const [clawback, ...more] = await clawbacks(purchase.id);
    expect(more).toHaveLength(0);
    expect(-clawback!.amount + clawback!.debtChange).toBe(50);
    expect(await creditBalance(user.id)).toBe(0);
    expect(await creditDebt(user.id)).toBe(spent);
    expect(clawback!.debtChange).toBe(spent);
    expect(await unspentOnGrants(user.id)).toBe(0);
    // Spends stopped either at a zero balance (all spent first) or at the debt the clawback left.
    if (spent > 0 && spent < 50) expect(refusals.some((refusal) => refusal instanceof CreditsOwedError)).toBe(true);
  });
});
