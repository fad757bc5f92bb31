import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent } from "../mocks/stripe";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";
import { useStack } from "../support/stack";

const WEBHOOK_SECRET = "whsec_checkout_tests";
const { web, stripe, processed } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

async function readyToPay({ capacity = 10, quantity = 2 } = {}) {
  const { organisation } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED", standardFields: [], holdMinutes: 30 });
  const type = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept.", contentHash: "h1" } });
  const code = await db.discountCode.create({ data: { raceId: race.id, code: "TEN", kind: "PERCENT", amount: 10 } });
  const buyer = await createUser();
  const client = await loggedIn(web.url, buyer.email);
  const held = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: String(quantity) });
  const orderId = held.headers.get("Location")!.split("/").pop()!;
  const tickets = await db.ticket.findMany({ where: { orderId }, orderBy: { createdAt: "asc" } });
  for (const [i, ticket] of tickets.entries()) {
    const response = await client.post(`/checkout/${orderId}`, {
      intent: "participant",
      ticketId: ticket.id,
      "participant.firstName": `Runner${i}`,
      "participant.lastName": "Test",
      "participant.email": `runner${i}@example.com`,
      signedName: `Runner${i} Test`,
    });
    expect(response.status).toBe(200);
  }
  expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "TEN" })).status).toBe(200);
  return { race, type, code, buyer, client, orderId };
}

function completedEvent(session: Record<string, unknown>, id?: string) {
  return JSON.stringify(stripeEvent("checkout.session.completed", session, id ? { id } : {}));
}

describe("paying through Stripe Checkout", () => {
  it("creates one session per order with the order's lines, hold-aligned expiry and an idempotency key", async () => {
    const { client, orderId } = await readyToPay();
    const first = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const again = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(first.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(again.headers.get("Location")).toBe(first.headers.get("Location"));
    const calls = stripe.callsTo("POST", "/v1/checkout/sessions").filter((c) => (c.params.metadata as Record<string, string>).orderId === orderId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.idempotencyKey).toMatch(new RegExp(`^checkout-${orderId}-0-`));
    const lines = Object.values(calls[0]!.params.line_items as Record<string, { price_data: { unit_amount: string } }>);
    expect(lines.map((l) => Number(l.price_data.unit_amount))).toEqual([2700, 2700]);
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(Number(calls[0]!.params.expires_at)).toBe(Math.floor(order.holdExpiresAt!.getTime() / 1000));
    expect(order.stripeSessionId).toMatch(/^cs_test_/);
  });

  it("issues tickets once when the same completed event arrives ten times", async () => {
    const { client, orderId, code, buyer, type } = await readyToPay();
    await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const { stripeSessionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const session = stripe.completeSession(stripeSessionId!);
    const payload = completedEvent(session);
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));

    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: true } }), (o) => o.status === "PAID");
    expect(order).toMatchObject({ status: "PAID", stripePaymentIntentId: session.payment_intent, totalMinor: 5400 });
    expect(order.tickets.filter((t) => t.status === "ISSUED")).toHaveLength(2);
    // Every delivery was answered, so every copy is in the inbox or queued; once the event is processed none runs again.
    await processed(JSON.parse(payload).id);
    expect(await db.stripeEvent.count({ where: { id: JSON.parse(payload).id } })).toBe(1);
    expect(await db.emailMessage.count({ where: { to: buyer.email, kind: "order_confirmed" } })).toBe(1);
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).toMatchObject({ soldCount: 2, heldCount: 0 });
  });

  it("refunds a completed session the order never opened, leaves the order unpaid and alerts operators", async () => {
    const { orderId } = await readyToPay({ quantity: 1 });
    const { default: Stripe } = await import("stripe");
    const api = new Stripe(stripe.secretKey, { host: "127.0.0.1", port: new URL(stripe.url).port, protocol: "http" });
    const session = await api.checkout.sessions.create({
      mode: "payment",
      line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 2700, product_data: { name: "10K" } } }],
      metadata: { orderId },
      success_url: "http://localhost/ok",
    });
    const completed = stripe.completeSession(session.id);
    const payload = completedEvent(completed);
    expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);
    const alert = await waitFor(() => db.operatorAlert.findFirst({ where: { kind: "payment.rejected", context: { path: ["stripeSessionId"], equals: session.id } } }), Boolean);
    expect(alert?.context).toMatchObject({ reason: "not_current_session", orderId });
    expect(stripe.refunds.filter((r) => r.payment_intent === completed.payment_intent).map((r) => r.amount)).toEqual([2700]);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PENDING", stripeSessionId: null, stripePaymentIntentId: null });
  });

  it("does nothing for a session Stripe says is still unpaid, and releases places when it expires", async () => {
    const { client, orderId, type } = await readyToPay();
    await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const { stripeSessionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const unpaid = stripe.session(stripeSessionId!);
    const forged = completedEvent({ ...unpaid, payment_status: "paid" });
    expect((await deliverWebhook(web.url, forged, signWebhook(forged, WEBHOOK_SECRET))).status).toBe(200);
    await processed(JSON.parse(forged).id);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("PENDING");

    const expired = JSON.stringify(stripeEvent("checkout.session.expired", { ...unpaid, status: "expired" }));
    expect((await deliverWebhook(web.url, expired, signWebhook(expired, WEBHOOK_SECRET))).status).toBe(200);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "EXPIRED");
    expect(order.status).toBe("EXPIRED");
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).heldCount).toBe(0);
  });

  it("still issues tickets for a payment that arrives after the hold expired, when the places are free", async () => {
    const { client, orderId, type } = await readyToPay({ quantity: 1 });
    await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const { stripeSessionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const { releaseOrder } = await import("~/services/hold-releases.server");
    await releaseOrder(orderId, "EXPIRED");
    const payload = completedEvent(stripe.completeSession(stripeSessionId!));
    await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: true } }), (o) => o.status === "PAID");
    expect(order.status).toBe("PAID");
    expect(order.tickets[0]!.status).toBe("ISSUED");
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).toMatchObject({ soldCount: 1, heldCount: 0 });
  });

  it("refunds a payment that arrives after its hold expired and the places were taken, and tells the buyer", async () => {
    const { client, orderId, type, buyer, race } = await readyToPay({ capacity: 1, quantity: 1 });
    await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const { stripeSessionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const { releaseOrder } = await import("~/services/hold-releases.server");
    const { reservePlaces } = await import("~/services/reservations.server");
    await releaseOrder(orderId, "EXPIRED");
    await reservePlaces({ raceId: race.id, buyer: await createUser(), lines: [{ ticketTypeId: type.id, quantity: 1 }] });

    const session = stripe.completeSession(stripeSessionId!);
    const payload = completedEvent(session);
    await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: true } }), (o) => o.status === "REFUNDED");
    expect(order).toMatchObject({ status: "REFUNDED", refundedMinor: 2700, stripePaymentIntentId: session.payment_intent });
    expect(order.tickets.every((t) => t.status === "CANCELLED")).toBe(true);
    expect(stripe.refunds.filter((r) => r.payment_intent === session.payment_intent).map((r) => r.amount)).toEqual([2700]);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).toMatchObject({ soldCount: 0, heldCount: 1 });
    const email = await waitFor(() => db.emailMessage.findFirst({ where: { to: buyer.email, kind: "late_payment_refunded" } }), Boolean);
    expect(email?.text).toContain("We have refunded €27.00 in full");
  });
});
