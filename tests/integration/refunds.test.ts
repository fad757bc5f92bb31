import { describe, expect, it } from "vitest";
import { refundPayment } from "~/services/payment-refunds.server";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent } from "../mocks/stripe";
import { buyerReadyToPay, pay, raceForSale } from "../support/checkout";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType, createUser } from "../support/factories";
import { openEventStream, uniqueEmail, type Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_startline_refunds_secret";
const { web, stripe } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });
// Without Stripe: payments in demo mode.
const { web: demoWeb } = useStack();

/** The page's HTML without React's text separators, as a reader sees it. */
async function html(response: Response | Promise<Response>) {
  return (await (await response).text()).replaceAll("<!-- -->", "").replaceAll("&#x27;", "'");
}

/**
 * A race with a manager signed in and a paid order of `tickets` tickets at €30 each, bought by a buyer
 * with an account; paid through Stripe (a PaymentIntent the double knows) unless `paidWith` says otherwise.
 */
async function paidOrder({ tickets = 2, paidWith = "stripe", app = () => web }: { tickets?: number; paidWith?: "stripe" | "demo" | "free"; app?: () => { url: string } } = {}) {
  const { organisation } = await createOrganisation("OWNER");
  const managerUser = await addMember(organisation.id, "MANAGER");
  const race = await createRace(organisation.id, { name: "Harbour 10K" });
  const type = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 50 });
  const buyer = await createUser({ email: uniqueEmail("buyer") });
  const entries = [];
  for (let i = 0; i < tickets; i++) entries.push(await createParticipant(race.id, type.id, { firstName: ["Aoife", "Brian", "Ciara"][i] ?? "Pat" }));
  const [first, ...others] = entries;
  for (const other of others) {
    await db.ticket.update({ where: { id: other!.ticket.id }, data: { orderId: first!.order.id } });
    await db.order.delete({ where: { id: other!.order.id } });
  }
  const totalMinor = paidWith === "free" ? 0 : tickets * 3000;
  if (paidWith === "free") await db.ticket.updateMany({ where: { orderId: first!.order.id }, data: { priceMinor: 0 } });
  const paymentIntentId = paidWith === "stripe" ? stripe.createPayment(totalMinor) : null;
  const order = await db.order.update({
    where: { id: first!.order.id },
    data: { buyerId: buyer.id, buyerEmail: buyer.email, buyerName: "Maeve Buyer", totalMinor, subtotalMinor: totalMinor, stripePaymentIntentId: paymentIntentId },
  });
  const manager = await loggedIn(app().url, managerUser.email);
  const pageOf = (participantId: string) => `/organiser/races/${race.id}/participants/${participantId}`;
  return { organisation, race, type, buyer, order, paymentIntentId, entries, manager, managerUser, pageOf, firstPage: pageOf(first!.participant.id) };
}

const refundOrderForm = (fields: { amount?: string; expectedRefundedMinor?: number } = {}) => ({
  intent: "refund-order",
  expectedRefundedMinor: String(fields.expectedRefundedMinor ?? 0),
  amount: fields.amount ?? "",
});

const refundsOf = (paymentIntentId: string | null) => stripe.callsTo("POST", "/v1/refunds").filter((call) => call.params.payment_intent === paymentIntentId);
const refundObjectsOf = (paymentIntentId: string | null) => stripe.refunds.filter((refund) => refund.payment_intent === paymentIntentId);

async function stateOf(orderId: string, ticketTypeId: string) {
  const [order, type, tickets] = await Promise.all([
    db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, refundedMinor: true } }),
    db.ticketType.findUniqueOrThrow({ where: { id: ticketTypeId }, select: { soldCount: true } }),
    db.ticket.findMany({ where: { orderId }, orderBy: { createdAt: "asc" }, select: { status: true } }),
  ]);
  return { ...order, soldCount: type.soldCount, tickets: tickets.map((t) => t.status) };
}

async function deliver(event: ReturnType<typeof stripeEvent>) {
  const payload = JSON.stringify(event);
  const response = await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
  expect(response.status).toBe(200);
  return waitFor(
    () => db.stripeEvent.findUniqueOrThrow({ where: { id: event.id }, select: { processedAt: true } }),
    (stored) => stored.processedAt !== null,
  );
}

describe("refunding a whole order paid through Stripe", () => {
  it("refunds everything through Stripe, cancels the tickets, frees the places, audits and tells the buyer", async () => {
    const { order, type, race, buyer, paymentIntentId, manager, firstPage } = await paidOrder();
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PAID", refundedMinor: 0, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    const before = await html(manager.request(firstPage));
    expect(before).toContain("Order and refunds");
    expect(before).toContain("€60.00");
    expect(before).toContain("Refund this ticket (€30.00)");
    const buyerClient = await loggedIn(web.url, buyer.email);
    const orderFeed = await openEventStream(buyerClient, `/orders/${order.id}/live`);
    const userFeed = await openEventStream(buyerClient, "/account/live");
    await orderFeed.next((e) => e.event === "snapshot");
    await userFeed.next((e) => e.event === "snapshot");

    const response = await manager.post(firstPage, refundOrderForm());
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`${firstPage}?refunded=6000`);

    const calls = refundsOf(paymentIntentId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toMatchObject({ payment_intent: paymentIntentId, amount: "6000", metadata: { orderId: order.id } });
    expect(calls[0]!.idempotencyKey).toMatch(new RegExp(`^startline-refund-order-${order.id}-0-6000`));
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 0, tickets: ["REFUNDED", "REFUNDED"] });

    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "order.refunded" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.changes).toMatchObject({ amountMinor: 6000, currency: "EUR", refundedMinor: { from: 0, to: 6000 }, status: { from: "PAID", to: "REFUNDED" } });
    expect((audit[0]!.changes as { stripeRefundId: string }).stripeRefundId).toBe(refundObjectsOf(paymentIntentId)[0]!.id);
    const emails = await db.emailMessage.findMany({ where: { to: buyer.email, kind: "refund" } });
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toBe("Refund of €60.00 for Harbour 10K");
    expect(emails[0]!.text).toContain("We have refunded €60.00");
    expect(await db.notification.count({ where: { userId: buyer.id, kind: "refund" } })).toBe(1);
    const live = await orderFeed.next((e) => e.event === "snapshot" && (e.data as { status: string }).status === "REFUNDED");
    expect((live.data as { tickets: { status: string }[] }).tickets.map((t) => t.status)).toEqual(["REFUNDED", "REFUNDED"]);
    const toast = await userFeed.next((e) => e.event === "delta" && (e.data as { type: string }).type === "notification");
    expect(toast.data).toMatchObject({ notification: { title: "Refund issued", body: "€60.00 is on its way back to you for Harbour 10K.", href: `/orders/${order.id}` } });
    await Promise.all([orderFeed.close(), userFeed.close()]);
    expect(await html(buyerClient.request(`/orders/${order.id}`))).toMatch(/Refunded to you.*€60\.00/s);

    const after = await html(manager.request(`${firstPage}?refunded=6000`));
    expect(after).toContain("Refund of €60.00 recorded");
    expect(after).toContain("This order has been fully refunded.");
    expect(after).not.toContain("Refund this ticket");

    const again = await manager.post(firstPage, refundOrderForm({ expectedRefundedMinor: 6000 }));
    expect(again.status).toBe(409);
    expect(await html(again)).toContain("This order has already been fully refunded.");
    expect(refundsOf(paymentIntentId)).toHaveLength(1);
  });

  it("refunds once when the same refund is submitted twice at the same moment (a double click)", async () => {
    const { order, type, race, buyer, paymentIntentId, manager, firstPage } = await paidOrder();
    const responses = await Promise.all([manager.post(firstPage, refundOrderForm()), manager.post(firstPage, refundOrderForm())]);
    expect(responses.map((r) => r.headers.get("Location")).sort()).toEqual([`${firstPage}?refunded=6000`, `${firstPage}?refunded=again`]);
    const calls = refundsOf(paymentIntentId);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(refundObjectsOf(paymentIntentId)).toHaveLength(1);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 0, tickets: ["REFUNDED", "REFUNDED"] });
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "order.refunded" } })).toBe(1);
    expect(await db.emailMessage.count({ where: { to: buyer.email, kind: "refund" } })).toBe(1);
  });

  it("refunds once when a partial refund is submitted twice concurrently, and both answers say it is done", async () => {
    const { order, type, race, paymentIntentId, manager, firstPage } = await paidOrder();
    const form = refundOrderForm({ amount: "10" });
    const responses = await Promise.all([manager.post(firstPage, form), manager.post(firstPage, form), manager.post(firstPage, form)]);
    expect(responses.map((r) => r.status)).toEqual([302, 302, 302]);
    const locations = responses.map((r) => r.headers.get("Location")).sort();
    expect(locations).toEqual([`${firstPage}?refunded=1000`, `${firstPage}?refunded=again`, `${firstPage}?refunded=again`]);
    expect(refundObjectsOf(paymentIntentId)).toHaveLength(1);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 1000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "order.refunded" } })).toBe(1);
  });
});

describe("refunding one ticket", () => {
  it("refunds the ticket's price, cancels only that ticket and frees its place; the last ticket completes the refund", async () => {
    const { order, type, race, paymentIntentId, manager, entries, pageOf } = await paidOrder();
    const [aoife, brian] = entries;
    const first = await manager.post(pageOf(aoife!.participant.id), { intent: "refund-ticket" });
    expect(first.status).toBe(302);
    expect(first.headers.get("Location")).toBe(`${pageOf(aoife!.participant.id)}?refunded=3000`);
    const calls = refundsOf(paymentIntentId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toMatchObject({ amount: "3000", metadata: { orderId: order.id, ticketId: aoife!.ticket.id } });
    expect(calls[0]!.idempotencyKey).toBe(`startline-refund-ticket-${aoife!.ticket.id}`);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 3000, soldCount: 1, tickets: ["REFUNDED", "ISSUED"] });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "ticket.refunded" } });
    expect(audit).toMatchObject({ entityType: "ticket", entityId: aoife!.ticket.id });
    expect(audit.changes).toMatchObject({ amountMinor: 3000, orderId: order.id, participant: `Aoife ${aoife!.participant.lastName}` });

    const again = await manager.post(pageOf(aoife!.participant.id), { intent: "refund-ticket" });
    expect(again.status).toBe(409);
    expect(await html(again)).toContain("This ticket has already been refunded.");

    const page = await html(manager.request(pageOf(brian!.participant.id)));
    expect(page).toContain("Refund this ticket (€30.00)");
    expect(page).toMatch(/Refundable.*€30\.00/s);
    expect((await manager.post(pageOf(brian!.participant.id), { intent: "refund-ticket" })).status).toBe(302);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 0, tickets: ["REFUNDED", "REFUNDED"] });
    expect(refundObjectsOf(paymentIntentId).map((refund) => refund.amount)).toEqual([3000, 3000]);
  });

  it("completes a refund whose database write was lost, after the webhook recorded the money, without refunding twice", async () => {
    const { order, type, paymentIntentId, manager, entries, pageOf } = await paidOrder();
    const [aoife] = entries;
    // The first attempt reached Stripe, then the web process died before writing the database.
    const lost = await fetch(`${stripe.url}/v1/refunds`, {
      method: "POST",
      headers: { Authorization: `Bearer ${stripe.secretKey}`, "Idempotency-Key": `startline-refund-ticket-${aoife!.ticket.id}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ payment_intent: paymentIntentId!, amount: "3000", "expand[0]": "charge" }),
    });
    expect(lost.status).toBe(200);
    await deliver(stripe.chargeRefundedEvent(paymentIntentId!));
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 3000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });

    expect((await manager.post(pageOf(aoife!.participant.id), { intent: "refund-ticket" })).status).toBe(302);
    expect(refundObjectsOf(paymentIntentId)).toHaveLength(1);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 3000, soldCount: 1, tickets: ["REFUNDED", "ISSUED"] });
  });

  it("refunds a free order's ticket without calling Stripe", async () => {
    const { order, type, paymentIntentId, manager, entries, pageOf } = await paidOrder({ paidWith: "free" });
    expect(paymentIntentId).toBeNull();
    const callsBefore = stripe.callsTo("POST", "/v1/refunds").length;
    const response = await manager.post(pageOf(entries[0]!.participant.id), { intent: "refund-ticket" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/\?refunded=0$/);
    expect(stripe.callsTo("POST", "/v1/refunds")).toHaveLength(callsBefore);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 0, soldCount: 1, tickets: ["REFUNDED", "ISSUED"] });
  });
});

describe("refunding part of an order", () => {
  it("gives money back and keeps the tickets; refuses more than is refundable, odd amounts and unpaid orders", async () => {
    const { order, type, race, paymentIntentId, manager, firstPage } = await paidOrder();
    const partial = await manager.post(firstPage, refundOrderForm({ amount: "12.50" }));
    expect(partial.status).toBe(302);
    expect(partial.headers.get("Location")).toBe(`${firstPage}?refunded=1250`);
    expect(refundsOf(paymentIntentId)[0]!.params).toMatchObject({ amount: "1250" });
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 1250, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    expect(await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "order.refunded" } })).toMatchObject({
      changes: expect.objectContaining({ kind: "partial", amountMinor: 1250 }) as unknown,
    });
    expect(await html(manager.request(firstPage))).toMatch(/Refundable.*€47\.50/s);

    const tooMuch = await manager.post(firstPage, refundOrderForm({ amount: "50", expectedRefundedMinor: 1250 }));
    expect(tooMuch.status).toBe(400);
    expect(await html(tooMuch)).toContain("You can refund at most €47.50 on this order (€60.00 paid, €12.50 already refunded).");
    const notMoney = await manager.post(firstPage, refundOrderForm({ amount: "ten euro", expectedRefundedMinor: 1250 }));
    expect(notMoney.status).toBe(400);
    expect(await html(notMoney)).toContain("Enter an amount in EUR such as 10.00");
    expect(refundsOf(paymentIntentId)).toHaveLength(1);

    const rest = await manager.post(firstPage, refundOrderForm({ expectedRefundedMinor: 1250 }));
    expect(rest.headers.get("Location")).toBe(`${firstPage}?refunded=4750`);
    expect(refundsOf(paymentIntentId)[1]!.params).toMatchObject({ amount: "4750" });
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 0, tickets: ["REFUNDED", "REFUNDED"] });

    const pending = await paidOrder({ tickets: 1 });
    await db.order.update({ where: { id: pending.order.id }, data: { status: "PENDING" } });
    const refused = await pending.manager.post(pending.firstPage, refundOrderForm());
    expect(refused.status).toBe(409);
    expect(await html(refused)).toContain("Only paid orders can be refunded; this order is pending.");
    expect(refundsOf(pending.paymentIntentId)).toHaveLength(0);
  });
});

describe("refunds in demo payment mode", () => {
  it("records the refund without Stripe, and a double submit refunds once", async () => {
    const { order, type, race, buyer, manager, firstPage } = await paidOrder({ paidWith: "demo", app: () => demoWeb });
    const callsBefore = stripe.requests.length;
    const form = refundOrderForm({ amount: "5" });
    const responses = await Promise.all([manager.post(firstPage, form), manager.post(firstPage, form)]);
    expect(responses.map((r) => r.headers.get("Location")).sort()).toEqual([`${firstPage}?refunded=500`, `${firstPage}?refunded=again`]);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 500, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });

    const full = await manager.post(firstPage, refundOrderForm({ expectedRefundedMinor: 500 }));
    expect(full.headers.get("Location")).toBe(`${firstPage}?refunded=5500`);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 0, tickets: ["REFUNDED", "REFUNDED"] });
    expect(stripe.requests).toHaveLength(callsBefore);
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "order.refunded" } })).toBe(2);
    expect(await db.emailMessage.count({ where: { to: buyer.email, kind: "refund" } })).toBe(2);
    expect(await html(manager.request(firstPage))).toContain("Recorded here only");
  });
});

describe("charge.refunded from Stripe", () => {
  it("records refunds made in Stripe's dashboard, whatever the order or number of deliveries, and never counts one twice", async () => {
    const { order, type, race, paymentIntentId } = await paidOrder();
    stripe.refundInDashboard(paymentIntentId!, 2000);
    const early = stripe.chargeRefundedEvent(paymentIntentId!);
    await deliver(early);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 2000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });

    const payload = JSON.stringify(early);
    expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);
    stripe.refundInDashboard(paymentIntentId!, 4000);
    await deliver(stripe.chargeRefundedEvent(paymentIntentId!));
    expect(await stateOf(order.id, type.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 6000 });
    // An older snapshot arriving late (a new event id carrying the charge as it was) changes nothing.
    await deliver({ ...early, id: `${early.id}_late` });
    expect(await stateOf(order.id, type.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 6000 });
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "order.refund_recorded_from_stripe" } })).toBe(2);
  });

  it("records a refund whose charge.refunded was handled before the payment's own event (ADR 0041)", async () => {
    const sale = await raceForSale();
    const { client, orderId } = await buyerReadyToPay(web.url, sale, { quantity: 2 });
    const sessionId = await pay(client, orderId);
    const paymentIntentId = String(stripe.completeSession(sessionId).payment_intent);
    stripe.refundInDashboard(paymentIntentId, 2000);
    // Delivered out of order: the refund first, when no order has taken this payment yet.
    await deliver(stripe.chargeRefundedEvent(paymentIntentId));
    expect(await stateOf(orderId, sale.type.id)).toMatchObject({ status: "PENDING", refundedMinor: 0 });
    await deliver(stripeEvent("checkout.session.completed", stripe.session(sessionId)));
    expect(await stateOf(orderId, sale.type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 2000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
  });

  it("does not count again a refund the organiser made in Startline", async () => {
    const { order, type, race, paymentIntentId, manager, firstPage } = await paidOrder();
    expect((await manager.post(firstPage, { intent: "refund-ticket" })).status).toBe(302);
    await deliver(stripe.chargeRefundedEvent(paymentIntentId!));
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 3000, soldCount: 1, tickets: ["REFUNDED", "ISSUED"] });
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "order.refund_recorded_from_stripe" } })).toBe(0);
  });
});

describe("an order refunded in Stripe's dashboard", () => {
  it("lets Stripe refuse a refund Startline does not know is done yet, then lets the organiser cancel the tickets", async () => {
    const { order, type, buyer, paymentIntentId, manager, firstPage } = await paidOrder();
    stripe.refundInDashboard(paymentIntentId!, 6000);
    const refused = await manager.post(firstPage, refundOrderForm());
    expect(refused.status).toBe(409);
    expect(await html(refused)).toMatch(/Stripe refused the refund: Charge ch_\w+ has already been refunded\./);
    expect(await stateOf(order.id, type.id)).toEqual({ status: "PAID", refundedMinor: 0, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });

    await deliver(stripe.chargeRefundedEvent(paymentIntentId!));
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    const page = await html(manager.request(firstPage));
    expect(page).toContain("This order has been fully refunded.");
    expect(page).toContain("Cancel this ticket (nothing left to refund)");

    const cancel = await manager.post(firstPage, { intent: "refund-ticket" });
    expect(cancel.headers.get("Location")).toBe(`${firstPage}?refunded=0`);
    expect(await html(manager.request(`${firstPage}?refunded=0`))).toContain("Cancelled; no money was left to give back.");
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 1, tickets: ["REFUNDED", "ISSUED"] });
    expect(refundObjectsOf(paymentIntentId)).toHaveLength(1);
    expect(await db.emailMessage.findFirstOrThrow({ where: { to: buyer.email, kind: "refund" } })).toMatchObject({ subject: "Ticket cancelled for Harbour 10K" });
  });
});

describe("refundPayment (a payment that arrived after its hold expired)", () => {
  it("marks the order refunded with the amount, leaves its tickets to the caller, and is safe to call twice", async () => {
    const { order, type, race } = await paidOrder({ paidWith: "demo" });
    await db.order.update({ where: { id: order.id }, data: { status: "EXPIRED" } });
    const args = { orderId: order.id, amountMinor: 6000, reason: "paid after the hold expired", idempotencyKey: `late-payment-${order.id}` };
    expect(await refundPayment(args)).toEqual({ applied: true, stripeRefundId: null });
    expect(await refundPayment(args)).toEqual({ applied: false, stripeRefundId: null });
    expect(await stateOf(order.id, type.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "order.refunded" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.changes).toMatchObject({ kind: "automatic", reason: "paid after the hold expired", amountMinor: 6000, status: { from: "EXPIRED", to: "REFUNDED" } });
  });
});

describe("who may refund", () => {
  async function expectUnchanged(setup: Awaited<ReturnType<typeof paidOrder>>) {
    expect(await stateOf(setup.order.id, setup.type.id)).toEqual({ status: "PAID", refundedMinor: 0, soldCount: 2, tickets: ["ISSUED", "ISSUED"] });
    expect(refundsOf(setup.paymentIntentId)).toHaveLength(0);
  }

  it("answers 404 to another organisation and 403 to check-in staff, and never refunds another race's order", async () => {
    const setup = await paidOrder();
    const { user: outsiderUser } = await createOrganisation("OWNER");
    const outsider: Client = await loggedIn(web.url, outsiderUser.email);
    expect((await outsider.request(setup.firstPage)).status).toBe(404);
    expect((await outsider.post(setup.firstPage, refundOrderForm())).status).toBe(404);
    expect((await outsider.post(setup.firstPage, { intent: "refund-ticket" })).status).toBe(404);

    const checkinUser = await addMember(setup.organisation.id, "CHECKIN");
    const checkin = await loggedIn(web.url, checkinUser.email);
    expect((await checkin.request(setup.firstPage)).status).toBe(403);
    const forbidden = await checkin.post(setup.firstPage, refundOrderForm());
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain("Only managers of this organisation can do this");

    // The same organisation's other race: its URL must not reach this race's participant or order.
    const otherRace = await createRace(setup.organisation.id, { name: "Other race" });
    const crossRace = `/organiser/races/${otherRace.id}/participants/${setup.entries[0]!.participant.id}`;
    expect((await setup.manager.post(crossRace, refundOrderForm())).status).toBe(404);
    expect((await setup.manager.post(crossRace, { intent: "refund-ticket" })).status).toBe(404);
    await expectUnchanged(setup);
  });
});
