import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { stripeConnection } from "~/utils/stripe.server";
import { buyerReadyToPay, deliverSessionEvent, pay, raceForSale } from "../support/checkout";
import { createOrganisation, createUser } from "../support/factories";
import { Client } from "../support/http";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const SECRET = "whsec_reconciliation";
// Payments made a moment ago are compared at once (in production the grace leaves them to the webhook path first).
const { web, stripe, processed, deliver } = useStack({ worker: true, stripe: { webhookSecret: SECRET }, env: { RECONCILE_GRACE_MINUTES: "0", OPENAI_API_KEY: "sk-test" } });

const page = async (response: Response | Promise<Response>) => (await (await response).text()).replaceAll("<!-- -->", "");
const operatorClient = async () => {
  const operator = await createUser({ role: "OPERATOR" });
  return { operator, client: await loggedIn(web.url, operator.email) };
};
/** The SDK as the app uses it, pointed at the double: what a person does in Stripe's dashboard or API outside Startline. */
const stripeApi = () => new Stripe(stripe.secretKey, { ...stripeConnection(stripe.url), maxNetworkRetries: 0 });

/** A race of an organisation paid through Stripe Connect: its orders are destination charges to the organisation's account. */
async function connectedSale() {
  const sale = await raceForSale();
  const account = `acct_${randomBytes(8).toString("hex")}`;
  await db.organisation.update({ where: { id: sale.race.organisationId }, data: { stripeAccountId: account, chargesEnabled: true, connectStatus: "ENABLED" } });
  return { ...sale, account };
}

/** An order paid through the normal path: the buyer pays the Checkout Session, Stripe tells the app, the worker fulfils. */
async function paidOrder(sale: Awaited<ReturnType<typeof connectedSale>>) {
  const { client, orderId } = await buyerReadyToPay(web.url, sale);
  const sessionId = await pay(client, orderId);
  stripe.completeSession(sessionId);
  const { id } = await deliverSessionEvent(stripe, web.url, SECRET, "checkout.session.completed", sessionId);
  await processed(id);
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  expect(order.status).toBe("PAID");
  return { orderId, sessionId, paymentIntentId: order.stripePaymentIntentId!, chargeId: stripe.chargeId(order.stripePaymentIntentId!) };
}

/** A credit pack bought through /billing and paid at Stripe; Stripe's event reaches the app. */
async function paidPack() {
  const user = await createUser();
  const client = await loggedIn(web.url, user.email);
  const bought = await client.post("/billing", { intent: "buy-pack", packId: "pack_200" });
  expect(bought.status).toBe(302);
  const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id } });
  stripe.completeSession(purchase.stripeSessionId!);
  const { id } = await deliverSessionEvent(stripe, web.url, SECRET, "checkout.session.completed", purchase.stripeSessionId!);
  await processed(id);
  const paid = await db.creditPurchase.findUniqueOrThrow({ where: { id: purchase.id } });
  expect(paid.status).toBe("PAID");
  return { purchaseId: paid.id, paymentIntentId: paid.stripePaymentIntentId!, chargeId: stripe.chargeId(paid.stripePaymentIntentId!) };
}

/** Presses the operator home's button and waits for the run it queued to finish. */
async function runReconciliation(client: Client, operatorId: string) {
  const before = await db.reconciliationRun.count({ where: { trigger: operatorId } });
  const pressed = await client.post("/operator/reconciliation", { intent: "run" });
  expect(pressed.status).toBe(302);
  expect(pressed.headers.get("Location")).toBe("/operator/reconciliation?run=requested");
  const runs = await waitFor(
    () => db.reconciliationRun.findMany({ where: { trigger: operatorId }, orderBy: { startedAt: "asc" } }),
    (all) => all.length > before && all.every((run) => run.finishedAt !== null || run.error !== null),
    30_000,
  );
  const run = runs.at(-1)!;
  expect(run.error).toBeNull();
  expect(run.finishedAt).not.toBeNull();
  return run;
}

const openFlags = () => db.reconciliationFlag.findMany({ where: { resolvedAt: null }, orderBy: { detectedAt: "asc" } });

describe("reconciliation with Stripe", () => {
  it("flags exactly what differs, on the platform and on connected accounts, once however often it runs", async () => {
    const startedAt = new Date();
    const sale = await connectedSale();
    // Paid and recorded alike: no flag.
    const agreed = await paidOrder(sale);
    // Refunded in Stripe's dashboard, and the webhook never came.
    const refundedInStripe = await paidOrder(sale);
    stripe.refundInDashboard(refundedInStripe.paymentIntentId, 1000);
    // Stripe charged €30; Startline's record says €25 (drift no path should make, which is what reconciliation is for).
    const amountDiffers = await paidOrder(sale);
    await db.order.update({ where: { id: amountDiffers.orderId }, data: { totalMinor: 2500 } });
    // Paid at Stripe, but Stripe's event never reached Startline: the order is still pending.
    const { client: buyer, orderId: unpaidOrderId } = await buyerReadyToPay(web.url, sale);
    const lostSessionId = await pay(buyer, unpaidOrderId);
    stripe.completeSession(lostSessionId);
    const lostCharge = stripe.chargeId(String(stripe.session(lostSessionId).payment_intent));
    // A direct charge on the organiser's connected account naming an order Startline never had.
    const direct = await stripeApi().checkout.sessions.create(
      {
        mode: "payment",
        line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 4200, product_data: { name: "Harbour 10K" } } }],
        metadata: { orderId: "order_never_made" },
        payment_intent_data: { metadata: { orderId: "order_never_made" } },
        success_url: `${web.url}/`,
        cancel_url: `${web.url}/`,
      },
      { stripeAccount: sale.account },
    );
    stripe.completeSession(direct.id);
    const directCharge = stripe.chargeId(String(stripe.session(direct.id).payment_intent));
    // Credit packs: one paid and recorded alike, one refunded in Stripe's dashboard without Startline hearing of it.
    const agreedPack = await paidPack();
    const refundedPack = await paidPack();
    stripe.refundInDashboard(refundedPack.paymentIntentId, 1500);

    const { operator, client } = await operatorClient();
    const run = await runReconciliation(client, operator.id);
    expect(run).toMatchObject({ newFlags: 5, accounts: expect.any(Number) });

    const flags = await openFlags();
    const summary = (all: typeof flags) => all.map((f) => [f.kind, f.stripeObjectId, f.account, f.orderId ?? f.purchaseId, f.stripeAmountMinor, f.startlineAmountMinor]).sort();
    expect(summary(flags)).toEqual(
      [
        ["PAID_NOT_RECORDED", lostCharge, null, unpaidOrderId, 3000, null],
        ["REFUND_MISMATCH", refundedInStripe.chargeId, null, refundedInStripe.orderId, 1000, 0],
        ["AMOUNT_MISMATCH", amountDiffers.chargeId, null, amountDiffers.orderId, 3000, 2500],
        ["PAID_NOT_RECORDED", directCharge, sale.account, "order_never_made", 4200, null],
        ["REFUND_MISMATCH", refundedPack.chargeId, null, refundedPack.purchaseId, 1500, 0],
      ].sort(),
    );
    expect(flags.find((f) => f.stripeObjectId === lostCharge)?.stripeSessionId).toBe(lostSessionId);
    expect(flags.some((f) => f.orderId === agreed.orderId || f.purchaseId === agreedPack.purchaseId)).toBe(false);

    // Listed through the SDK's pagination, on the platform and with the connected account's header, since the lookback.
    for (const path of ["/v1/checkout/sessions", "/v1/charges"]) {
      const lists = stripe.callsTo("GET", path);
      expect(lists.some((r) => r.stripeAccount === undefined)).toBe(true);
      expect(lists.some((r) => r.stripeAccount === sale.account)).toBe(true);
      expect(lists.every((r) => Number((r.params.created as { gte?: string } | undefined)?.gte) > 0)).toBe(true);
    }

    // Operators hear of it once: one alert for the run's new flags, a notification each, on the home's live tile.
    const alerts = await db.operatorAlert.findMany({ where: { kind: "reconciliation.mismatch", createdAt: { gte: startedAt } } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toContain("5 differences");
    expect(await db.notification.count({ where: { userId: operator.id, kind: "operator.alert" } })).toBeGreaterThanOrEqual(1);
    const home = await page(client.request("/operator"));
    expect(home).toMatch(/data-testid="reconciliation-open">5</);
    expect(home).toContain("Run reconciliation now");

    // Again: nothing new, nothing announced twice.
    const rerun = await runReconciliation(client, operator.id);
    expect(rerun.newFlags).toBe(0);
    expect(summary(await openFlags())).toEqual(summary(flags));
    expect(await db.reconciliationFlag.count({ where: { detectedAt: { gte: startedAt } } })).toBe(5);
    expect(await db.operatorAlert.count({ where: { kind: "reconciliation.mismatch", createdAt: { gte: startedAt } } })).toBe(1);

    // An operator resolves one with a note: audited, and closed for good.
    const listed = await page(client.request("/operator/reconciliation"));
    expect(listed).toContain(lostCharge);
    const lost = flags.find((f) => f.stripeObjectId === lostCharge)!;
    const resolved = await client.post("/operator/reconciliation", { intent: "resolve", flagId: lost.id, note: "Fulfilled by hand after checking the payment in Stripe." });
    expect(resolved.status).toBe(200);
    expect(await page(resolved)).toContain("Flag resolved.");
    expect(await db.reconciliationFlag.findUniqueOrThrow({ where: { id: lost.id } })).toMatchObject({ resolvedById: operator.id, note: "Fulfilled by hand after checking the payment in Stripe." });
    const audit = await db.auditEntry.findMany({ where: { action: "reconciliation_flag.resolved", entityId: lost.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ organisationId: null, actorId: operator.id, entityType: "reconciliation_flag" });
    expect((await client.post("/operator/reconciliation", { intent: "resolve", flagId: lost.id, note: "Again." })).status).toBe(409);
    expect((await client.post("/operator/reconciliation", { intent: "resolve", flagId: lost.id, note: "" })).status).toBe(400);
    expect((await client.post("/operator/reconciliation", { intent: "resolve", flagId: "flag_missing", note: "Nothing." })).status).toBe(404);
    expect(await db.auditEntry.count({ where: { action: "reconciliation.requested", actorId: operator.id } })).toBe(2);
    expect(await page(client.request("/operator/reconciliation?show=resolved"))).toContain("Fulfilled by hand after checking the payment in Stripe.");

    // The late webhook arrives: Startline records the dashboard refund, and the next run settles that flag by itself.
    await deliver([stripe.chargeRefundedEvent(refundedInStripe.paymentIntentId)]);
    expect((await db.order.findUniqueOrThrow({ where: { id: refundedInStripe.orderId } })).refundedMinor).toBe(1000);
    const settling = await runReconciliation(client, operator.id);
    expect(settling).toMatchObject({ newFlags: 0, settledFlags: 1 });
    expect(await db.reconciliationFlag.findFirstOrThrow({ where: { stripeObjectId: refundedInStripe.chargeId } })).toMatchObject({ resolvedById: null, note: expect.stringContaining("Settled by itself") });
    expect((await openFlags()).map((f) => f.kind).sort()).toEqual(["AMOUNT_MISMATCH", "PAID_NOT_RECORDED", "REFUND_MISMATCH"]);
  });

  it("reads the double's lists as Stripe's: pages of `limit` after `starting_after`, on one account, since `created[gte]`", async () => {
    const sale = await connectedSale();
    const orders = [await paidOrder(sale), await paidOrder(sale), await paidOrder(sale)];
    const api = stripeApi();
    const firstPage = await api.charges.list({ limit: 2 });
    expect(firstPage).toMatchObject({ object: "list", url: "/v1/charges", has_more: true });
    expect(firstPage.data).toHaveLength(2);
    const all = await api.charges.list({ limit: 2 }).autoPagingToArray({ limit: 1000 });
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (const order of orders) expect(all.map((c) => c.id)).toContain(order.chargeId);
    expect(await api.charges.list({ created: { gte: Math.floor(Date.now() / 1000) + 3600 } }).autoPagingToArray({ limit: 1000 })).toEqual([]);
    // On the connected account: the transfers of the destination charges, as payments with `source_transfer`.
    const onAccount = await api.charges.list({ limit: 100 }, { stripeAccount: sale.account });
    expect(onAccount.data).toHaveLength(3);
    expect(onAccount.data.every((c) => c.id.startsWith("py_") && c.source_transfer)).toBe(true);
    const sessions = await api.checkout.sessions.list({ limit: 1 }).autoPagingToArray({ limit: 1000 });
    for (const order of orders) expect(sessions.map((s) => s.id)).toContain(order.sessionId);
    expect((await api.checkout.sessions.list({ limit: 100 }, { stripeAccount: sale.account })).data).toEqual([]);
  });
});

describe("the reconciliation page is for operators only", () => {
  it("answers 404 to anonymous visitors, buyers and organisers, and refuses cross-site posts", async () => {
    const buyer = await loggedIn(web.url, (await createUser()).email);
    const { user: organiser } = await createOrganisation();
    for (const outsider of [new Client(web.url), buyer, await loggedIn(web.url, organiser.email)]) {
      expect((await outsider.request("/operator/reconciliation")).status).toBe(404);
      expect((await outsider.post("/operator/reconciliation", { intent: "run" })).status).toBe(404);
      expect((await outsider.post("/operator/reconciliation", { intent: "resolve", flagId: "x", note: "Sneaky." })).status).toBe(404);
    }
    const { operator, client } = await operatorClient();
    const foreign = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };
    expect((await client.post("/operator/reconciliation", { intent: "run" }, foreign)).status).toBe(403);
    expect(await db.auditEntry.count({ where: { action: "reconciliation.requested", actorId: operator.id } })).toBe(0);
  });
});
