import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getQueue } from "~/jobs/queues.server";
import { enqueue } from "~/jobs/queues.server";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { stripeEvent } from "../mocks/stripe";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType, createUser } from "../support/factories";
import { openEventStream, uniqueEmail } from "../support/http";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_connect_refunds";
const { web, stripe, deliver } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

const connectedAccount = () => `acct_${randomBytes(8).toString("hex")}`;
/** The platform's fee on a €30 ticket in these tests (6%). */
const FEE_PER_TICKET = 180;

async function html(response: Response | Promise<Response>) {
  return (await (await response).text()).replaceAll("<!-- -->", "").replaceAll("&#x27;", "'");
}

/**
 * An organisation paid through Stripe Connect (its owner and a manager signed in) with a race of €30 tickets. Orders
 * made by `order()` are paid as checkout pays them: a destination charge to the organisation's account with the
 * platform's fee, unless `connect: false`.
 */
async function connectedRace({ capacity = 50, status = "PUBLISHED" as const } = {}) {
  const { organisation, user: owner } = await createOrganisation("OWNER");
  const account = connectedAccount();
  await db.organisation.update({ where: { id: organisation.id }, data: { stripeAccountId: account, chargesEnabled: true, connectStatus: "ENABLED" } });
  const managerUser = await addMember(organisation.id, "MANAGER");
  const race = await createRace(organisation.id, { name: "Harbour 10K", status });
  const type = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity });
  const manager = await loggedIn(web.url, managerUser.email);

  async function order({ tickets = 2, connect = true, free = false, names = ["Aoife", "Brian", "Ciara"] } = {}) {
    const buyer = await createUser({ email: uniqueEmail("buyer"), name: "Maeve Buyer" });
    const entries = [];
    for (let i = 0; i < tickets; i++) entries.push(await createParticipant(race.id, type.id, { firstName: names[i] ?? "Pat" }));
    const [first, ...others] = entries;
    for (const other of others) {
      await db.ticket.update({ where: { id: other.ticket.id }, data: { orderId: first!.order.id } });
      await db.order.delete({ where: { id: other.order.id } });
    }
    const totalMinor = free ? 0 : tickets * 3000;
    if (free) await db.ticket.updateMany({ where: { orderId: first!.order.id }, data: { priceMinor: 0 } });
    const paymentIntentId = free ? null : stripe.createPayment(totalMinor, "eur", connect ? { destination: account, applicationFeeAmount: tickets * FEE_PER_TICKET } : {});
    const paid = await db.order.update({
      where: { id: first!.order.id },
      data: { buyerId: buyer.id, buyerEmail: buyer.email, buyerName: `${names[0]} Buyer`, totalMinor, subtotalMinor: totalMinor, stripePaymentIntentId: paymentIntentId },
    });
    const pageOf = (participantId: string) => `/organiser/races/${race.id}/participants/${participantId}`;
    return { order: paid, buyer, paymentIntentId, entries, pageOf, firstPage: pageOf(first!.participant.id) };
  }
  return { organisation, account, owner, managerUser, manager, race, type, order };
}

const refundCalls = (paymentIntentId: string | null) => stripe.callsTo("POST", "/v1/refunds").filter((call) => call.params.payment_intent === paymentIntentId);
const refundObjects = (paymentIntentId: string | null) => stripe.refunds.filter((refund) => refund.payment_intent === paymentIntentId);

async function stateOf(orderId: string) {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, refundedMinor: true, tickets: { orderBy: { createdAt: "asc" }, select: { status: true, ticketTypeId: true } } } });
  const type = await db.ticketType.findUniqueOrThrow({ where: { id: order.tickets[0]!.ticketTypeId }, select: { soldCount: true, heldCount: true } });
  return { status: order.status, refundedMinor: order.refundedMinor, tickets: order.tickets.map((t) => t.status), soldCount: type.soldCount };
}

const refundOrderForm = (fields: { amount?: string; expectedRefundedMinor?: number } = {}) => ({
  intent: "refund-order",
  expectedRefundedMinor: String(fields.expectedRefundedMinor ?? 0),
  amount: fields.amount ?? "",
});

describe("the Stripe double", () => {
  it("refuses a destination charge's refund that would come out of the platform, with Stripe's error shape", async () => {
    const paymentIntentId = stripe.createPayment(3000, "eur", { destination: connectedAccount(), applicationFeeAmount: 180 });
    const refund = (fields: Record<string, string>) =>
      fetch(`${stripe.url}/v1/refunds`, {
        method: "POST",
        headers: { Authorization: `Bearer ${stripe.secretKey}`, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ payment_intent: paymentIntentId, amount: "1000", ...fields }),
      });
    const bare = await refund({});
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({ error: { type: "invalid_request_error", param: "reverse_transfer", message: expect.stringContaining("destination charge") as unknown } });
    const withoutFee = await refund({ reverse_transfer: "true" });
    expect(withoutFee.status).toBe(400);
    expect(await withoutFee.json()).toMatchObject({ error: { param: "refund_application_fee" } });
    expect(refundObjects(paymentIntentId)).toHaveLength(0);

    const made = await refund({ reverse_transfer: "true", refund_application_fee: "true" });
    expect(made.status).toBe(200);
    const body = (await made.json()) as { transfer_reversal: string; status: string };
    expect(body.status).toBe("succeeded");
    expect(stripe.transferReversal(body.transfer_reversal)).toMatchObject({ object: "transfer_reversal", amount: 1000 });
    expect(stripe.connectTotals(paymentIntentId)).toEqual({ transferReversed: 1000, applicationFeeRefunded: 60, applicationFeeAmount: 180 });
  });
});

describe("organiser refunds of a destination charge", () => {
  it("reverse the organiser's transfer and return the platform fee in proportion, for a partial, a ticket and the rest", async () => {
    const setup = await connectedRace();
    const { order, paymentIntentId, entries, pageOf, firstPage } = await setup.order({ tickets: 2 });

    const partial = await setup.manager.post(firstPage, refundOrderForm({ amount: "12.50" }));
    expect(partial.status).toBe(302);
    const ticket = await setup.manager.post(pageOf(entries[1]!.participant.id), { intent: "refund-ticket" });
    expect(ticket.status).toBe(302);
    const rest = await setup.manager.post(firstPage, refundOrderForm({ expectedRefundedMinor: 4250 }));
    expect(rest.headers.get("Location")).toBe(`${firstPage}?refunded=1750`);

    const calls = refundCalls(paymentIntentId);
    expect(calls.map((call) => call.params.amount)).toEqual(["1250", "3000", "1750"]);
    for (const call of calls) expect(call.params).toMatchObject({ reverse_transfer: "true", refund_application_fee: "true" });
    // The organiser paid everything back; the platform returned its whole fee (6% of each refunded amount).
    expect(stripe.connectTotals(paymentIntentId!)).toEqual({ transferReversed: 6000, applicationFeeRefunded: 360, applicationFeeAmount: 360 });
    expect(await stateOf(order.id)).toEqual({ status: "REFUNDED", refundedMinor: 6000, tickets: ["REFUNDED", "REFUNDED"], soldCount: 0 });

    const recorded = await db.orderRefund.findMany({ where: { orderId: order.id }, orderBy: { createdAt: "asc" } });
    expect(recorded.map((r) => [r.amountMinor, r.transferReversedMinor, r.applicationFeeRefundedMinor, r.ticketIds.length, r.status])).toEqual([
      [1250, 1250, 75, 0, "succeeded"],
      [3000, 3000, 255, 1, "succeeded"],
      [1750, 1750, 360, 1, "succeeded"],
    ]);
    expect(recorded.map((r) => r.stripeRefundId)).toEqual(refundObjects(paymentIntentId).map((r) => r.id));
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: setup.race.id, action: "ticket.refunded" } });
    expect(audit.changes).toMatchObject({ amountMinor: 3000, transferReversedMinor: 3000, applicationFeeRefundedMinor: 255 });
  });

  it("leaves a charge that was not a destination charge without the Connect flags", async () => {
    const setup = await connectedRace();
    const { paymentIntentId, firstPage } = await setup.order({ tickets: 1, connect: false });
    expect((await setup.manager.post(firstPage, refundOrderForm())).status).toBe(302);
    const [call] = refundCalls(paymentIntentId);
    expect(call!.params.reverse_transfer).toBeUndefined();
    expect(call!.params.refund_application_fee).toBeUndefined();
    expect(refundObjects(paymentIntentId)[0]!.transfer_reversal).toBeNull();
  });
});

describe("the automatic refund of a payment that arrived after its places were taken", () => {
  it("is refunded from the organiser's account through the real checkout and webhook path", async () => {
    const setup = await connectedRace({ capacity: 1 });
    await db.waiverVersion.create({ data: { raceId: setup.race.id, version: 1, title: "Waiver", text: "I accept.", contentHash: "h1" } });
    await db.race.update({ where: { id: setup.race.id }, data: { standardFields: [] } });
    const buyer = await createUser();
    const client = await loggedIn(web.url, buyer.email);
    const held = await client.post(`/races/${setup.race.slug}`, { [`qty_${setup.type.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const [ticket] = await db.ticket.findMany({ where: { orderId } });
    const filled = await client.post(`/checkout/${orderId}`, {
      intent: "participant",
      ticketId: ticket!.id,
      "participant.firstName": "Late",
      "participant.lastName": "Payer",
      "participant.email": "late@example.com",
      signedName: "Late Payer",
    });
    expect(filled.status).toBe(200);
    await client.post(`/checkout/${orderId}`, { intent: "pay" });
    const { stripeSessionId } = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const { releaseOrder } = await import("~/services/hold-releases.server");
    await releaseOrder(orderId, "EXPIRED");
    await reservePlaces({ raceId: setup.race.id, buyer: await createUser(), lines: [{ ticketTypeId: setup.type.id, quantity: 1 }] });

    const session = stripe.completeSession(stripeSessionId!);
    const paymentIntentId = session.payment_intent;
    expect(stripe.connectTotals(paymentIntentId).applicationFeeAmount).toBeGreaterThan(0);
    const completed = stripeEvent("checkout.session.completed", session);
    await deliver([completed]);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "REFUNDED");
    expect(order).toMatchObject({ status: "REFUNDED", refundedMinor: 3000 });
    const [call] = refundCalls(paymentIntentId);
    expect(call!.params).toMatchObject({ amount: "3000", reverse_transfer: "true", refund_application_fee: "true" });
    expect(stripe.connectTotals(paymentIntentId)).toMatchObject({ transferReversed: 3000 });
    expect(await db.orderRefund.findFirstOrThrow({ where: { orderId } })).toMatchObject({ amountMinor: 3000, transferReversedMinor: 3000, ticketIds: [] });
  });
});

/** Creates an open Checkout Session in the double for a pending order, as `startPayment` would. */
async function openSession(orderId: string) {
  const response = await fetch(`${stripe.url}/v1/checkout/sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stripe.secretKey}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ mode: "payment", "line_items[0][quantity]": "1", "line_items[0][price_data][currency]": "eur", "line_items[0][price_data][unit_amount]": "3000", "metadata[orderId]": orderId }),
  });
  const session = (await response.json()) as { id: string };
  await db.order.update({ where: { id: orderId }, data: { stripeSessionId: session.id } });
  return session.id;
}

describe("cancelling a race", () => {
  it("refunds every paid order in full through one job each, ends checkouts in progress, and shows the progress live", async () => {
    const setup = await connectedRace({ capacity: 10 });
    const paid = await setup.order({ tickets: 2, names: ["Aoife", "Brian"] });
    const partly = await setup.order({ tickets: 1, names: ["Cathal"] });
    stripe.refundInDashboard(partly.paymentIntentId!, 1000);
    await db.order.update({ where: { id: partly.order.id }, data: { refundedMinor: 1000, status: "PARTIALLY_REFUNDED" } });
    const free = await setup.order({ tickets: 1, free: true, names: ["Dara"] });
    // Refunded in Stripe's dashboard without Startline hearing of it: Stripe refuses to refund it again.
    const refusedByStripe = await setup.order({ tickets: 1, names: ["Eimear"] });
    stripe.refundInDashboard(refusedByStripe.paymentIntentId!, 3000);
    const pending = await reservePlaces({ raceId: setup.race.id, buyer: await createUser(), lines: [{ ticketTypeId: setup.type.id, quantity: 2 }] });
    const pendingSession = await openSession(pending.id);
    // Paid at Stripe a moment before the cancellation; Stripe's event has not arrived yet.
    const justPaid = await reservePlaces({ raceId: setup.race.id, buyer: await createUser({ name: "Fiadh Late" }), lines: [{ ticketTypeId: setup.type.id, quantity: 1 }] });
    const justPaidSessionId = await openSession(justPaid.id);
    const justPaidSession = stripe.completeSession(justPaidSessionId);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: setup.type.id } })).toMatchObject({ soldCount: 5, heldCount: 3 });

    const feed = await openEventStream(setup.manager, `/organiser/races/${setup.race.id}/refunds/live`);
    await feed.next((e) => e.event === "snapshot");
    const cancelled = await setup.manager.post(`/organiser/races/${setup.race.id}?index`, { intent: "cancel" });
    expect(cancelled.status).toBe(200);

    type Progress = { total: number; done: number; waiting: number; failedCount: number };
    const settled = await feed.next((e) => e.event === "snapshot" && (e.data as Progress).done + (e.data as Progress).failedCount === 4, 30_000);
    expect(settled.data).toMatchObject({ total: 5, done: 3, waiting: 1, failedCount: 1, refundedMinor: 8000 });
    // The paid checkout keeps its places until Stripe's event arrives; fulfilment then refuses the payment for the
    // cancelled race and refunds it, which settles the order's cancellation refund.
    expect(await stateOf(justPaid.id)).toMatchObject({ status: "PENDING", tickets: ["HELD"] });
    expect(stripe.session(justPaidSessionId).status).toBe("complete");
    await deliver([stripeEvent("checkout.session.completed", justPaidSession)]);
    const finished = await feed.next((e) => e.event === "snapshot" && (e.data as Progress).total === 5 && (e.data as Progress).waiting === 0, 30_000);
    await feed.close();
    expect(finished.data).toMatchObject({ total: 5, done: 4, failedCount: 1, refundedMinor: 11000, failed: [{ orderId: refusedByStripe.order.id, buyerName: "Eimear Buyer" }] });
    expect((finished.data as { failed: { error: string }[] }).failed[0]!.error).toMatch(/Stripe refused the refund: Charge ch_\w+ has already been refunded/);

    expect(await stateOf(paid.order.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 6000, tickets: ["REFUNDED", "REFUNDED"] });
    expect(await stateOf(partly.order.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 3000, tickets: ["REFUNDED"] });
    expect(await stateOf(free.order.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 0, tickets: ["REFUNDED"] });
    expect(await stateOf(refusedByStripe.order.id)).toMatchObject({ status: "PAID", tickets: ["ISSUED"] });
    expect(await stateOf(pending.id)).toMatchObject({ status: "CANCELLED", tickets: ["CANCELLED", "CANCELLED"] });
    expect(await stateOf(justPaid.id)).toMatchObject({ status: "REFUNDED", refundedMinor: 3000, tickets: ["CANCELLED"] });
    expect(refundCalls(justPaidSession.payment_intent).map((call) => call.params.amount)).toEqual(["3000"]);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: setup.type.id } })).toMatchObject({ soldCount: 1, heldCount: 0 });
    expect(stripe.session(pendingSession).status).toBe("expired");

    const [paidCall] = refundCalls(paid.paymentIntentId);
    expect(paidCall!.params).toMatchObject({ amount: "6000", reverse_transfer: "true", refund_application_fee: "true", metadata: { orderId: paid.order.id, reason: "race_cancelled" } });
    expect(paidCall!.idempotencyKey).toBe(`startline-refund-cancelled-race-${paid.order.id}-6000`);
    expect(stripe.connectTotals(paid.paymentIntentId!)).toEqual({ transferReversed: 6000, applicationFeeRefunded: 360, applicationFeeAmount: 360 });
    expect(refundCalls(partly.paymentIntentId).map((call) => call.params.amount)).toEqual(["2000"]);
    expect(stripe.connectTotals(partly.paymentIntentId!)).toMatchObject({ transferReversed: 3000, applicationFeeRefunded: 180 });

    const emails = await db.emailMessage.findMany({ where: { to: { in: [paid.buyer.email, partly.buyer.email, free.buyer.email] }, kind: "refund" } });
    expect(emails.map((e) => e.subject).sort()).toEqual(["Harbour 10K is cancelled", "Harbour 10K is cancelled: €20.00 refunded", "Harbour 10K is cancelled: €60.00 refunded"]);
    expect(await db.notification.count({ where: { userId: paid.buyer.id, kind: "refund" } })).toBe(1);
    const page = await html(setup.manager.request(`/organiser/races/${setup.race.id}`));
    expect(page).toContain("4 of 5 paid orders refunded (€110.00), 1 failed");
    expect(page).toContain("Eimear Buyer: Stripe refused the refund");

    // The job runs again (a redelivery, an operator's retry): nothing more is refunded or sent.
    const jobId = `refunds.cancelled-race-order-${paid.order.id}`;
    await (await getQueue("refunds").getJob(jobId))!.remove();
    await enqueue("refunds.cancelled-race-order", { orderId: paid.order.id });
    const rerun = await waitFor(() => getQueue("refunds").getJob(jobId), (job) => Boolean(job?.finishedOn));
    expect(rerun?.returnvalue).toMatchObject({ applied: false });
    expect(refundObjects(paid.paymentIntentId)).toHaveLength(1);
    expect(await db.emailMessage.count({ where: { to: paid.buyer.email, kind: "refund" } })).toBe(1);
    // The just-paid order's job waits for fulfilment with the job's backoff, hence the longer limit.
  }, 60_000);
});

describe("charge.refund.updated: a refund that fails after it was made", () => {
  it("reissues the tickets, restores the amount and tells the owners and managers once, however often and in whatever order Stripe says so", async () => {
    const setup = await connectedRace();
    const { order, paymentIntentId, entries, pageOf } = await setup.order({ tickets: 2 });
    expect((await setup.manager.post(pageOf(entries[0]!.participant.id), { intent: "refund-ticket" })).status).toBe(302);
    expect(await stateOf(order.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 3000, tickets: ["REFUNDED", "ISSUED"], soldCount: 1 });
    const staleRefunded = stripe.chargeRefundedEvent(paymentIntentId!);
    const [refund] = refundObjects(paymentIntentId);

    const failed = stripe.failRefund(refund!.id, "expired_or_canceled_card");
    expect(failed.data).toMatchObject({ object: { id: refund!.id, object: "refund", status: "failed", failure_reason: "expired_or_canceled_card" }, previous_attributes: { status: "succeeded" } });
    // Delivered three times at once, once more under another event id, and followed by the older charge.refunded.
    await deliver([failed, { ...failed, id: `${failed.id}_again` }], 3);
    await deliver([staleRefunded]);

    expect(await stateOf(order.id)).toEqual({ status: "PAID", refundedMinor: 0, tickets: ["ISSUED", "ISSUED"], soldCount: 2 });
    expect(await db.orderRefund.findUniqueOrThrow({ where: { stripeRefundId: refund!.id } })).toMatchObject({ status: "failed", failureReason: "expired_or_canceled_card", revertedAt: expect.any(Date) as unknown });
    expect(await db.auditEntry.count({ where: { raceId: setup.race.id, action: "order.refund_failed" } })).toBe(1);
    for (const user of [setup.owner, setup.managerUser]) {
      const notes = await db.notification.findMany({ where: { userId: user.id, kind: "refund_failed" } });
      expect(notes).toHaveLength(1);
      expect(notes[0]!.body).toBe("€30.00 to Aoife Buyer for Harbour 10K was not refunded (expired or canceled card); the order counts as paid again.");
      const emails = await db.emailMessage.findMany({ where: { to: user.email, kind: "refund_failed" } });
      expect(emails).toHaveLength(1);
      expect(emails[0]!.subject).toBe("A refund failed: Harbour 10K");
      expect(emails[0]!.text).toContain(`Tickets issued again: Aoife ${entries[0]!.participant.lastName}.`);
    }
    // The order can be refunded again from the participant's page.
    expect(await html(setup.manager.request(pageOf(entries[0]!.participant.id)))).toContain("Refund this ticket (€30.00)");
  });

  it("keeps a ticket cancelled when its place was sold again meanwhile, and says so", async () => {
    const setup = await connectedRace({ capacity: 1 });
    const { order, paymentIntentId, entries, pageOf } = await setup.order({ tickets: 1, names: ["Fionn"] });
    expect((await setup.manager.post(pageOf(entries[0]!.participant.id), { intent: "refund-ticket" })).status).toBe(302);
    await createParticipant(setup.race.id, setup.type.id, { firstName: "Grainne" });
    await deliver([stripe.failRefund(refundObjects(paymentIntentId)[0]!.id, "lost_or_stolen_card")]);

    expect(await stateOf(order.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 0, tickets: ["REFUNDED"], soldCount: 1 });
    const email = await db.emailMessage.findFirstOrThrow({ where: { to: setup.owner.email, kind: "refund_failed" } });
    expect(email.text).toContain(`Not reinstated because their places have been sold again: Fionn ${entries[0]!.participant.lastName}.`);
    expect(await db.auditEntry.findFirstOrThrow({ where: { raceId: setup.race.id, action: "order.refund_failed" } })).toMatchObject({
      changes: expect.objectContaining({ ticketsReinstated: [], ticketsNotReinstated: [`Fionn ${entries[0]!.participant.lastName}`] }) as unknown,
    });
  });

  it("undoes a dashboard refund whose failure arrives before its charge.refunded", async () => {
    const setup = await connectedRace();
    const { order, paymentIntentId } = await setup.order({ tickets: 2 });
    stripe.refundInDashboard(paymentIntentId!, 2000);
    const refunded = stripe.chargeRefundedEvent(paymentIntentId!);
    const failed = stripe.failRefund(refundObjects(paymentIntentId)[0]!.id);
    await deliver([failed]);
    await deliver([refunded]);
    expect(await stateOf(order.id)).toEqual({ status: "PAID", refundedMinor: 0, tickets: ["ISSUED", "ISSUED"], soldCount: 2 });
    expect(await db.notification.count({ where: { userId: setup.owner.id, kind: "refund_failed" } })).toBe(1);

    // A later dashboard refund that succeeds is still counted.
    stripe.refundInDashboard(paymentIntentId!, 1500);
    await deliver([stripe.chargeRefundedEvent(paymentIntentId!)]);
    expect(await stateOf(order.id)).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedMinor: 1500 });
  });

  it("marks a cancelled race's refund as failed on the race page when the bank returns it, without issuing its tickets again", async () => {
    const setup = await connectedRace();
    const { order, paymentIntentId, entries, firstPage } = await setup.order({ tickets: 1, names: ["Orla"] });
    expect((await setup.manager.post(`/organiser/races/${setup.race.id}?index`, { intent: "cancel" })).status).toBe(200);
    await waitFor(() => db.cancellationRefund.findUniqueOrThrow({ where: { orderId: order.id } }), (row) => row.status === "DONE");
    await deliver([stripe.failRefund(refundObjects(paymentIntentId)[0]!.id, "insufficient_funds")]);
    expect(await db.cancellationRefund.findUniqueOrThrow({ where: { orderId: order.id } })).toMatchObject({ status: "FAILED", error: "The refund of €30.00 failed at the bank (insufficient_funds)." });
    // The money is owed again, but a ticket of a race that will not run is not valid again.
    expect(await stateOf(order.id)).toEqual({ status: "PARTIALLY_REFUNDED", refundedMinor: 0, tickets: ["REFUNDED"], soldCount: 0 });
    expect(await html(setup.manager.request(`/organiser/races/${setup.race.id}`))).toContain("0 of 1 paid order refunded (€0.00), 1 failed");
    const email = await db.emailMessage.findFirstOrThrow({ where: { to: setup.owner.email, kind: "refund_failed" } });
    expect(email.text).toContain(`Not reinstated because the race is cancelled: Orla ${entries[0]!.participant.lastName}.`);
    expect(email.text).not.toContain("counts as paid again");
    // The organiser can refund the order again from the participant's page.
    expect((await setup.manager.post(firstPage, refundOrderForm())).status).toBe(302);
    expect(await stateOf(order.id)).toEqual({ status: "REFUNDED", refundedMinor: 3000, tickets: ["REFUNDED"], soldCount: 0 });
  });
});
