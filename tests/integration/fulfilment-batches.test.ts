// Payments of one race are written in batches, one transaction for many orders (ADR 0086): every outcome stays
// each order's own.
import { describe, expect, it } from "vitest";
import { fulfilOrder } from "~/services/fulfilment.server";
import { NOTIFICATION_TTL_MS } from "~/services/notifications.server";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { metrics, observedSoFar } from "~/utils/metrics.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";

async function pendingRace({ orders, withRange }: { orders: number; withRange: boolean }) {
  const { organisation } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED", holdMinutes: 30 });
  const ranged = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: orders, ...(withRange ? { bibRangeStart: 100, bibRangeEnd: 100 + orders - 1 } : {}) });
  const open = await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: orders });
  const ids: string[] = [];
  for (let i = 0; i < orders; i += 1) {
    const buyer = await createUser();
    // Every third order takes both distances: a batch then locks two ticket types.
    const lines = [{ ticketTypeId: ranged.id, quantity: 1 }, ...(i % 3 === 0 ? [{ ticketTypeId: open.id, quantity: 1 }] : [])];
    const order = await reservePlaces({ raceId: race.id, buyer: { id: buyer.id, email: buyer.email, name: buyer.name }, lines });
    ids.push(order.id);
  }
  await db.$executeRaw`UPDATE "Order" SET "stripeSessionId" = 'cs_' || id WHERE id = ANY(${ids}::text[])`;
  return { race, ranged, open, ids };
}

const paid = async (orderId: string) => {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  return fulfilOrder({ orderId, stripeSessionId: `cs_${orderId}`, paymentIntentId: null, amountTotalMinor: order.totalMinor, amountTaxMinor: null, currency: order.currency });
};

const batchesSoFar = () => observedSoFar(metrics.fulfilmentBatchSize);

describe("fulfilment in batches", () => {
  it("pays 30 orders of one race arriving at once in fewer transactions, each exactly once, with the range's bibs in order", async () => {
    const { ranged, open, ids } = await pendingRace({ orders: 30, withRange: true });
    const before = await batchesSoFar();

    const outcomes = await Promise.all(ids.map(paid));

    expect(outcomes.map((o) => o.outcome)).toEqual(Array(30).fill("fulfilled"));
    const after = await batchesSoFar();
    expect(after.sum - before.sum).toBe(30);
    expect(after.count - before.count).toBeLessThan(30);
    const tickets = await db.ticket.findMany({ where: { orderId: { in: ids } }, select: { status: true, bib: true, ticketTypeId: true } });
    expect(tickets.every((t) => t.status === "ISSUED")).toBe(true);
    const rangedBibs = tickets.filter((t) => t.ticketTypeId === ranged.id).map((t) => t.bib!).sort((a, b) => a - b);
    expect(rangedBibs).toEqual(Array.from({ length: 30 }, (_, i) => 100 + i));
    const openBibs = tickets.filter((t) => t.ticketTypeId === open.id).map((t) => t.bib!).sort((a, b) => a - b);
    expect(openBibs).toEqual(Array.from({ length: 10 }, (_, i) => 130 + i));
    // The range's next search starts above the numbers given (ADR 0110); the open type has no floor.
    expect(await db.bibFloor.findMany({ where: { raceId: ranged.raceId }, select: { rangeStart: true, next: true } })).toEqual([{ rangeStart: 100, next: 130 }]);
    expect(await db.ticketType.findMany({ where: { id: { in: [ranged.id, open.id] } }, select: { heldCount: true, soldCount: true }, orderBy: { name: "asc" } })).toEqual([
      { heldCount: 0, soldCount: 30 },
      { heldCount: 0, soldCount: 10 },
    ]);
    expect(await db.emailMessage.count({ where: { confirmsOrderId: { in: ids } } })).toBe(30);
    // Each buyer's "Payment confirmed" is stored with their payment, pointing at their own order.
    const notices = await db.notification.findMany({ where: { dedupeKey: { in: ids.map((id) => `order-paid:${id}`) } }, select: { kind: true, href: true, expiresAt: true, createdAt: true } });
    expect(notices.map((n) => n.href).sort()).toEqual(ids.map((id) => `/orders/${id}`).sort());
    expect(notices.every((n) => n.kind === "order.paid" && n.expiresAt.getTime() - n.createdAt.getTime() === NOTIFICATION_TTL_MS)).toBe(true);
    // Run again: every order is paid already and nothing changes.
    expect((await Promise.all(ids.map(paid))).map((o) => o.outcome)).toEqual(Array(30).fill("already_paid"));
    expect(await db.emailMessage.count({ where: { confirmsOrderId: { in: ids } } })).toBe(30);
    expect(await db.notification.count({ where: { dedupeKey: { in: ids.map((id) => `order-paid:${id}`) } } })).toBe(30);
  });

  it("keeps one order's failure its own: the others in its batch are paid, and that order can be paid once the fault is gone", async () => {
    const { ids } = await pendingRace({ orders: 12, withRange: false });
    const broken = ids[5]!;
    // A fault in one order's write (a trigger refusing its update) fails the batch's transaction as a whole.
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_one_order() RETURNS trigger AS $$
      BEGIN IF NEW.id = '${broken}' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_one_order BEFORE UPDATE ON "Order" FOR EACH ROW EXECUTE FUNCTION refuse_one_order()`);
    try {
      const outcomes = await Promise.allSettled(ids.map(paid));
      expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.outcome : "error"))).toEqual(ids.map((id) => (id === broken ? "error" : "fulfilled")));
      expect(String((outcomes[5] as PromiseRejectedResult).reason)).toContain("refused for the test");
      expect(await db.order.findUniqueOrThrow({ where: { id: broken }, select: { status: true } })).toEqual({ status: "PENDING" });
      expect(await db.ticket.count({ where: { orderId: broken, status: "HELD" } })).toBeGreaterThan(0);
      // Its buyer is not told it was paid: the notification is written with the payment, or not at all.
      expect(await db.notification.count({ where: { dedupeKey: `order-paid:${broken}` } })).toBe(0);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER refuse_one_order ON "Order"`);
      await db.$executeRawUnsafe(`DROP FUNCTION refuse_one_order()`);
    }
    expect((await paid(broken)).outcome).toBe("fulfilled");
    expect(await db.notification.count({ where: { dedupeKey: `order-paid:${broken}` } })).toBe(1);
    const bibs = (await db.ticket.findMany({ where: { orderId: { in: ids } }, select: { bib: true } })).map((t) => t.bib);
    expect(new Set(bibs).size).toBe(bibs.length);
    expect(bibs.every((b) => b !== null)).toBe(true);
  });
});
