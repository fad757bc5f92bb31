// Holds of one race that arrive at once are taken in batches, one transaction for many buyers (ADR 0114): every
// outcome stays the buyer's own, as if each hold had been taken alone in that order.
import { describe, expect, it } from "vitest";
import { reservePlaces, ReservationError } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { metrics, observedSoFar } from "~/utils/metrics.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";

async function publishedRace() {
  const { organisation } = await createOrganisation("OWNER");
  return createRace(organisation.id, { status: "PUBLISHED" });
}

async function buyers(count: number) {
  return Promise.all(Array.from({ length: count }, async () => {
    const user = await createUser();
    return { id: user.id, email: user.email, name: user.name };
  }));
}

const batchesSoFar = () => observedSoFar(metrics.holdBatchSize);

describe("holds in batches", () => {
  it("takes 90 holds of carts of several types in fewer transactions: never more than capacity, nobody refused while their places remain", async () => {
    const race = await publishedRace();
    const [a, b, c] = [await createTicketType(race.id, { name: "5K", capacity: 25 }), await createTicketType(race.id, { name: "10K", capacity: 20 }), await createTicketType(race.id, { name: "Half", capacity: 40 })];
    // Carts that name their types in different orders: a batch must still take their row locks in one order.
    const carts = [[[a.id, 1]], [[b.id, 1], [a.id, 1]], [[c.id, 2], [b.id, 1]], [[a.id, 1], [c.id, 1]], [[c.id, 3]]] as [string, number][][];
    const people = await buyers(90);
    const before = await batchesSoFar();

    const outcomes = await Promise.allSettled(
      people.map((buyer, i) => reservePlaces({ raceId: race.id, buyer, lines: carts[i % carts.length]!.map(([ticketTypeId, quantity]) => ({ ticketTypeId, quantity })) })),
    );

    const after = await batchesSoFar();
    expect(after.count - before.count).toBeLessThan(after.sum - before.sum);
    for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(ReservationError);
    const types = await db.ticketType.findMany({ where: { raceId: race.id }, select: { id: true, capacity: true, heldCount: true } });
    for (const type of types) {
      expect(type.heldCount).toBeLessThanOrEqual(type.capacity);
      expect(await db.ticket.count({ where: { ticketTypeId: type.id, status: "HELD" } })).toBe(type.heldCount);
    }
    // Places only ever went, never came back: a cart refused at any moment still does not fit now.
    const remaining = new Map(types.map((t) => [t.id, t.capacity - t.heldCount]));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "fulfilled") return;
      expect(carts[i % carts.length]!.some(([id, quantity]) => remaining.get(id)! < quantity)).toBe(true);
    });
    expect(await db.order.count({ where: { raceId: race.id, status: "PENDING" } })).toBe(outcomes.filter((o) => o.status === "fulfilled").length);
  });

  it("keeps one hold's failure its own: the others in its batch are held, and that buyer can hold once the fault is gone", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 100 });
    const people = await buyers(20);
    const broken = people[7]!;
    // A fault in one buyer's order (a trigger refusing its insert) fails the batch's transaction as a whole.
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_one_hold() RETURNS trigger AS $$
      BEGIN IF NEW."buyerId" = '${broken.id}' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_one_hold BEFORE INSERT ON "Order" FOR EACH ROW EXECUTE FUNCTION refuse_one_hold()`);
    try {
      const outcomes = await Promise.allSettled(people.map((buyer) => reservePlaces({ raceId: race.id, buyer, lines: [{ ticketTypeId: type.id, quantity: 1 }] })));
      expect(outcomes.map((o) => o.status)).toEqual(people.map((p) => (p === broken ? "rejected" : "fulfilled")));
      expect(String((outcomes[7] as PromiseRejectedResult).reason)).toContain("refused for the test");
      expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id }, select: { heldCount: true } })).toEqual({ heldCount: 19 });
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS refuse_one_hold ON "Order"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS refuse_one_hold()`);
    }
    await reservePlaces({ raceId: race.id, buyer: broken, lines: [{ ticketTypeId: type.id, quantity: 1 }] });
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id }, select: { heldCount: true } })).toEqual({ heldCount: 20 });
  });

  it("gives a buyer who presses Register three times in a rush one pending order, with its places counted once", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 100 });
    const people = await buyers(30);
    const eager = people[3]!;
    const requests = [...people, eager, eager].map((buyer, i) => reservePlaces({ raceId: race.id, buyer, lines: [{ ticketTypeId: type.id, quantity: 1 + (i % 2) }] }));

    const outcomes = await Promise.allSettled(requests);

    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    for (const refusal of refused) expect(refusal.reason).toBeInstanceOf(ReservationError);
    const pending = await db.order.findMany({ where: { raceId: race.id, status: "PENDING" }, select: { buyerId: true, tickets: { select: { status: true } } } });
    expect(pending.filter((o) => o.buyerId === eager.id)).toHaveLength(1);
    expect(pending).toHaveLength(30);
    const heldTickets = pending.reduce((sum, order) => sum + order.tickets.length, 0);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id }, select: { heldCount: true } })).toEqual({ heldCount: heldTickets });
    expect(await db.ticket.count({ where: { ticketTypeId: type.id, status: "HELD" } })).toBe(heldTickets);
  });

  it("serves rushes at four races at once, more than the hold connections, without one waiting for another", async () => {
    const races = await Promise.all(Array.from({ length: 4 }, async () => {
      const race = await publishedRace();
      return { race, type: await createTicketType(race.id, { capacity: 15 }) };
    }));
    const people = await buyers(80);

    const outcomes = await Promise.allSettled(people.map((buyer, i) => reservePlaces({ raceId: races[i % 4]!.race.id, buyer, lines: [{ ticketTypeId: races[i % 4]!.type.id, quantity: 1 }] })));

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(60);
    for (const outcome of outcomes) if (outcome.status === "rejected") expect((outcome.reason as Error).message).toBe("10K is sold out.");
    for (const { type } of races) expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id }, select: { heldCount: true } })).toEqual({ heldCount: 15 });
  });

  it("refuses a cart naming a malformed ticket id with a clear message, and serves the rush around it", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 50 });
    const people = await buyers(21);
    const outcomes = await Promise.allSettled(
      people.map((buyer, i) => reservePlaces({ raceId: race.id, buyer, lines: [{ ticketTypeId: i === 10 ? `${type.id}\u0000` : type.id, quantity: 1 }] })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(people.map((_, i) => (i === 10 ? "rejected" : "fulfilled")));
    const refusal = (outcomes[10] as PromiseRejectedResult).reason as ReservationError;
    expect(refusal).toBeInstanceOf(ReservationError);
    expect(refusal.message).toBe("One of the tickets is no longer offered. Refresh the page.");
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: type.id }, select: { heldCount: true } })).toEqual({ heldCount: 20 });
  });
});
