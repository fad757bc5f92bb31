import { createHash } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import type { stripeEvent } from "../mocks/stripe";
import { deliverLikeStripe, mapLimit, paced, waitUntil } from "./support/load";
import { printTable, type ReportRow } from "./support/report";
import { prepareStack } from "./support/stack";

/**
 * Scenario 5: two identical worlds of 1,000 Stripe events each (payments completed, checkouts expired, refunds made
 * in Stripe's dashboard, membership invoices paid, credit packs bought), plus holds that run out meanwhile. World A
 * gets every event once, in the order Stripe would send them; world B gets each three times, shuffled, 50 at a
 * time. A digest of orders, tickets, discount uses, purchases, memberships and the credit ledger must be the same.
 */

const PAID = 400;
const EXPIRED = 200;
const REFUNDED = 150;
const PACKS = 100;
const MEMBERS = 75;
const RUN_OUT = 20;
const COPIES = 3;
const IN_FLIGHT = 50;

const stack = await prepareStack();
const { db } = await import("~/utils/db.server");
const fixtures = await import("./support/fixtures");
const { startMembership } = await import("~/services/billing.server");

afterAll(() => stack.close());

type Event = ReturnType<typeof stripeEvent>;

/** One world: its entities in a fixed order (the digest is keyed by position), and its events in Stripe's order. */
async function buildWorld() {
  const sale = await fixtures.saleRace({ capacity: 2_000, codeUses: 500 });
  const orders = await fixtures.pendingOrders(sale, PAID + EXPIRED + RUN_OUT, { codeEvery: 5 });
  const paid = orders.slice(0, PAID);
  const expired = orders.slice(PAID, PAID + EXPIRED);
  const runOut = orders.slice(PAID + EXPIRED);
  // These holds ran out before anyone paid: housekeeping releases them while the events arrive.
  await db.order.updateMany({ where: { id: { in: runOut.map((o) => o.orderId) } }, data: { holdExpiresAt: new Date(Date.now() - 60_000) } });
  const packs = await fixtures.packPurchases(PACKS);
  const members = await fixtures.createUsers(MEMBERS);
  const first: Event[] = [];
  const later: Event[] = [];
  for (const order of paid) {
    const session = stack.stripe.completeSession(order.sessionId);
    first.push(stack.stripe.eventFor("checkout.session.completed", session));
  }
  for (const order of expired) first.push(stack.stripe.eventFor("checkout.session.expired", stack.stripe.expireSession(order.sessionId)));
  for (const pack of packs) first.push(stack.stripe.eventFor("checkout.session.completed", stack.stripe.completeSession(pack.sessionId)));
  for (const member of members) {
    const { redirectTo } = await startMembership({ userId: member.id });
    const { subscription, invoice } = stack.stripe.completeSubscriptionSession(redirectTo.split("/").pop()!);
    first.push(stack.stripe.eventFor("invoice.paid", invoice));
    later.push(stack.stripe.eventFor("invoice.paid", stack.stripe.renewSubscription(subscription.id, { paid: true })));
  }
  // Refunds made in Stripe's dashboard after payment: every other one partial.
  for (const [i, order] of paid.slice(0, REFUNDED).entries()) {
    const paymentIntent = String(stack.stripe.session(order.sessionId).payment_intent);
    stack.stripe.refundInDashboard(paymentIntent, i % 2 === 0 ? order.totalMinor : Math.floor(order.totalMinor / 3));
    later.push(stack.stripe.chargeRefundedEvent(paymentIntent));
  }
  return { sale, orders, packs, members, events: { first, later } };
}

type World = Awaited<ReturnType<typeof buildWorld>>;

/** The final state of a world, by position, without ids or times (which differ between worlds). */
async function digestOf(world: World) {
  const orderRows = await db.order.findMany({
    where: { id: { in: world.orders.map((o) => o.orderId) } },
    select: { id: true, status: true, totalMinor: true, refundedMinor: true, paidAt: true, redemption: { select: { redeemedAt: true } }, tickets: { select: { status: true, bib: true } } },
  });
  const orderById = new Map(orderRows.map((o) => [o.id, o]));
  const emails = await db.emailMessage.groupBy({ by: ["to", "kind"], where: { to: { in: world.orders.map((o) => o.buyerEmail) } }, _count: true });
  const orders = world.orders.map(({ orderId, buyerEmail }) => {
    const order = orderById.get(orderId)!;
    return {
      status: order.status,
      totalMinor: order.totalMinor,
      refundedMinor: order.refundedMinor,
      paid: order.paidAt !== null,
      codeUse: order.redemption ? (order.redemption.redeemedAt ? "redeemed" : "held") : "none",
      tickets: order.tickets.map((t) => t.status).sort(),
      emails: emails.filter((e) => e.to === buyerEmail).map((e) => `${e.kind}×${e._count}`).sort(),
    };
  });
  const bibs = orderRows.flatMap((o) => o.tickets.map((t) => t.bib)).filter((b): b is number => b !== null).sort((a, b) => a - b);
  const type = await db.ticketType.findUniqueOrThrow({ where: { id: world.sale.type.id }, select: { soldCount: true, heldCount: true } });
  const code = await db.discountCode.findUniqueOrThrow({ where: { id: world.sale.code.id }, select: { redemptionCount: true } });
  const ledgerUsers = [...world.packs.map((p) => p.userId), ...world.members.map((m) => m.id)];
  const entries = await db.creditEntry.findMany({ where: { userId: { in: ledgerUsers } }, select: { userId: true, kind: true, amount: true } });
  const ledger = ledgerUsers.map((userId) => {
    const own = entries.filter((e) => e.userId === userId);
    return { entries: own.map((e) => `${e.kind}:${e.amount}`).sort(), balance: own.reduce((sum, e) => sum + e.amount, 0) };
  });
  const purchases = await db.creditPurchase.findMany({ where: { userId: { in: ledgerUsers } }, select: { userId: true, kind: true, status: true, amountMinor: true, refundedMinor: true } });
  const memberships = await db.membership.findMany({ where: { userId: { in: world.members.map((m) => m.id) } }, select: { userId: true, status: true } });
  const digest = {
    orders,
    bibs,
    ticketType: type,
    codeUses: code.redemptionCount,
    ledger,
    purchases: ledgerUsers.map((userId) => purchases.filter((p) => p.userId === userId).map((p) => `${p.kind}:${p.status}:${p.amountMinor}:${p.refundedMinor}`).sort()),
    memberships: world.members.map((m) => memberships.find((row) => row.userId === m.id)?.status ?? "none"),
  };
  return { digest, hash: createHash("sha256").update(JSON.stringify(digest)).digest("hex").slice(0, 16) };
}

function processed(ids: string[]) {
  return db.stripeEvent.count({ where: { id: { in: ids }, processedAt: { not: null } } });
}

/** Where two digests differ: the first few paths, for the failure message. */
function differences(a: unknown, b: unknown, path = "", out: string[] = []): string[] {
  if (out.length >= 10) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`, out);
  } else out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  return out;
}

it("ends in the same state whether 1,000 events arrive once in order or three times shuffled and concurrently", async () => {
  const ordered = await buildWorld();
  const shuffled = await buildWorld();
  const web = await stack.startWeb();
  await stack.startWorker();
  const eventCount = ordered.events.first.length + ordered.events.later.length;

  // World A: once each, in Stripe's order (payments before the refunds and renewals that follow them).
  const startedA = Date.now();
  const deadline = Date.now() + 600_000;
  for (const batch of [ordered.events.first, ordered.events.later]) {
    await paced(batch, 40, (event) => deliverLikeStripe(web.url, event, stack.webhookSecret, { deadline }));
    const ids = batch.map((e) => e.id);
    await waitUntil("world A's events processed", () => processed(ids), (n) => n === ids.length, 300_000, 500);
  }
  const tookA = Date.now() - startedA;

  // World B: every event three times, in random order, 50 deliveries in flight.
  const startedB = Date.now();
  const unique = [...shuffled.events.first, ...shuffled.events.later];
  const copies = unique.flatMap((event) => Array.from({ length: COPIES }, () => event)).sort(() => Math.random() - 0.5);
  const deliveries = await mapLimit(copies, IN_FLIGHT, (event) => deliverLikeStripe(web.url, event, stack.webhookSecret, { deadline }));
  await waitUntil("world B's events processed", () => processed(unique.map((e) => e.id)), (n) => n === unique.length, 300_000, 500);
  const tookB = Date.now() - startedB;

  // Both worlds' holds ran out meanwhile; housekeeping releases them (every 15 s).
  const runOut = [...ordered.orders, ...shuffled.orders].filter((_, i, all) => i % (all.length / 2) >= PAID + EXPIRED).map((o) => o.orderId);
  await waitUntil("run-out holds released", () => db.order.count({ where: { id: { in: runOut }, status: "PENDING" } }), (n) => n === 0, 60_000, 500);
  // Emails and grants that follow the events settle.
  await waitUntil("emails sent", () => db.emailMessage.count({ where: { status: { not: "SENT" } } }), (n) => n === 0, 120_000, 500);

  const a = await digestOf(ordered);
  const b = await digestOf(shuffled);
  const diff = differences(a.digest, b.digest);
  const count = (world: World, pick: (o: (typeof a.digest.orders)[number]) => boolean, digest: typeof a.digest) => digest.orders.filter(pick).length;
  const statusRows = (["PAID", "PARTIALLY_REFUNDED", "REFUNDED", "EXPIRED"] as const).map((status): ReportRow => {
    const inA = count(ordered, (o) => o.status === status, a.digest);
    const inB = count(shuffled, (o) => o.status === status, b.digest);
    return { what: `orders ${status}`, eventsIn: inA, effectsOut: inB, lost: Math.max(0, inA - inB), doubled: Math.max(0, inB - inA) };
  });
  const balance = (digest: typeof a.digest) => digest.ledger.reduce((sum, l) => sum + l.balance, 0);
  const rows: ReportRow[] = [
    { what: "events (A once in order / B ×3 shuffled)", eventsIn: eventCount, effectsOut: copies.length, lost: deliveries.filter((d) => !d.delivered).length, doubled: 0, note: `A ${(tookA / 1000).toFixed(0)} s, B ${(tookB / 1000).toFixed(0)} s` },
    ...statusRows,
    { what: "tickets issued", eventsIn: a.digest.ticketType.soldCount, effectsOut: b.digest.ticketType.soldCount, lost: Math.max(0, a.digest.ticketType.soldCount - b.digest.ticketType.soldCount), doubled: Math.max(0, b.digest.ticketType.soldCount - a.digest.ticketType.soldCount), note: `bibs ${JSON.stringify(a.digest.bibs) === JSON.stringify(b.digest.bibs) ? "same set" : "differ"}` },
    { what: "discount uses", eventsIn: a.digest.codeUses, effectsOut: b.digest.codeUses, lost: Math.max(0, a.digest.codeUses - b.digest.codeUses), doubled: Math.max(0, b.digest.codeUses - a.digest.codeUses) },
    { what: "credit ledger (sum of balances)", eventsIn: balance(a.digest), effectsOut: balance(b.digest), lost: Math.max(0, balance(a.digest) - balance(b.digest)), doubled: Math.max(0, balance(b.digest) - balance(a.digest)) },
    { what: "digest of orders, tickets, ledger", eventsIn: a.hash, effectsOut: b.hash, lost: diff.length, doubled: 0, note: diff.slice(0, 3).join("; ") },
  ];
  printTable("Scenario 5: 1,000 events once in order vs three times shuffled and concurrent", rows);

  expect(diff).toEqual([]);
  for (const row of rows) expect({ what: row.what, lost: row.lost, doubled: row.doubled }).toEqual({ what: row.what, lost: 0, doubled: 0 });
});
