import { describe, expect, it } from "vitest";
import { creditBalance, expireCredits, grantCredits, InsufficientCreditsError, refundSpend, spendCredits } from "~/services/credits.server";
import { subscriptions } from "~/realtime/pubsub.server";
import { channels } from "~/realtime/channels";
import { db } from "~/utils/db.server";
import { createUser } from "../support/factories";
import { waitFor } from "../support/wait";

describe("the credit ledger", () => {
  it("lets exactly 10 of 50 concurrent one-credit spends through a balance of 10", async () => {
    const user = await createUser();
    await grantCredits({ userId: user.id, amount: 10, description: "Pack", idempotencyKey: `grant-${user.id}` });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => spendCredits({ userId: user.id, amount: 1, description: "AI job", idempotencyKey: `spend-${user.id}-${i}` })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(40);
    expect(refused.every((r) => r.reason instanceof InsufficientCreditsError)).toBe(true);
    expect(await creditBalance(user.id)).toBe(0);
  });

  it("grants once per idempotency key, however often it is delivered", async () => {
    const user = await createUser();
    const key = `evt_${user.id}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => grantCredits({ userId: user.id, amount: 25, description: "Pack", idempotencyKey: key })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await creditBalance(user.id)).toBe(25);
  });

  it("refunds a spend once and pushes the new balance live", async () => {
    const user = await createUser();
    await grantCredits({ userId: user.id, amount: 5, description: "Pack", idempotencyKey: `g-${user.id}` });
    await spendCredits({ userId: user.id, amount: 3, description: "Draft", idempotencyKey: `s-${user.id}` });
    const seen: unknown[] = [];
    const release = await subscriptions.subscribe(channels.user(user.id), (message) => seen.push(message));
    await Promise.all([refundSpend({ spendIdempotencyKey: `s-${user.id}`, description: "Job failed" }), refundSpend({ spendIdempotencyKey: `s-${user.id}`, description: "Job failed" })]);
    expect(await creditBalance(user.id)).toBe(5);
    await waitFor(async () => seen, (messages) => messages.some((m) => (m as { balance?: number }).balance === 5));
    expect(seen).toContainEqual({ type: "credits.balance", balance: 5 });
    await release();
  });

  it("spends expiring credits first and lets what is left expire with an entry saying so", async () => {
    const user = await createUser();
    const soon = new Date(Date.now() + 60_000);
    await grantCredits({ userId: user.id, amount: 10, description: "Forever pack", idempotencyKey: `forever-${user.id}` });
    const { entryId } = await grantCredits({ userId: user.id, amount: 5, description: "Monthly allowance", idempotencyKey: `month-${user.id}`, expiresAt: soon });
    await spendCredits({ userId: user.id, amount: 3, description: "Draft", idempotencyKey: `spend-${user.id}` });
    expect((await db.creditEntry.findUniqueOrThrow({ where: { id: entryId } })).remaining).toBe(2);
    expect(await expireCredits(new Date(soon.getTime() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await creditBalance(user.id)).toBe(10);
    const expiry = await db.creditEntry.findUniqueOrThrow({ where: { idempotencyKey: `expiry:${entryId}` } });
    expect(expiry).toMatchObject({ kind: "EXPIRY", amount: -2, description: "Expired: Monthly allowance" });
    expect(await expireCredits(new Date(soon.getTime() + 2000))).toBe(0);
  });
});
