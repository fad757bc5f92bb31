import { describe, expect, it } from "vitest";
import { releaseExpiredHolds, releaseOrder } from "~/services/hold-releases.server";
import { reservePlaces, ReservationError } from "~/services/reservations.server";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";

async function publishedRace(data: Parameters<typeof createRace>[1] = {}) {
  const { organisation } = await createOrganisation("OWNER");
  return createRace(organisation.id, { status: "PUBLISHED", ...data });
}

async function buyer() {
  const user = await createUser();
  return { id: user.id, email: user.email, name: user.name };
}

async function counts(ticketTypeId: string) {
  const type = await db.ticketType.findUniqueOrThrow({ where: { id: ticketTypeId } });
  const held = await db.ticket.count({ where: { ticketTypeId, status: "HELD" } });
  return { heldCount: type.heldCount, soldCount: type.soldCount, heldTickets: held };
}

describe("reserving places", () => {
  it("never holds more than capacity under 20× concurrent attempts", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 10 });
    const buyers = await Promise.all(Array.from({ length: 200 }, () => buyer()));
    const results = await Promise.allSettled(buyers.map((b) => reservePlaces({ raceId: race.id, buyer: b, lines: [{ ticketTypeId: type.id, quantity: 1 }] })));
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(190);
    for (const failure of lost) {
      expect(failure.reason).toBeInstanceOf(ReservationError);
      expect((failure.reason as Error).message).toBe("10K is sold out.");
    }
    expect(await counts(type.id)).toEqual({ heldCount: 10, soldCount: 0, heldTickets: 10 });
  });

  it("holds several ticket types in one order at the price in force", async () => {
    const race = await publishedRace({ holdMinutes: 45 });
    const five = await createTicketType(race.id, { name: "5K", priceMinor: 2000 });
    const half = await createTicketType(race.id, { name: "Half", priceMinor: 4500 });
    await db.priceTier.create({ data: { ticketTypeId: half.id, label: "Early bird", priceMinor: 3900, endsAt: new Date(Date.now() + 86_400_000) } });
    const before = Date.now();
    const order = await reservePlaces({ raceId: race.id, buyer: await buyer(), lines: [{ ticketTypeId: five.id, quantity: 2 }, { ticketTypeId: half.id, quantity: 1 }] });
    expect(order.subtotalMinor).toBe(2 * 2000 + 3900);
    expect(order.holdExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 45 * 60_000);
    const tickets = await db.ticket.findMany({ where: { orderId: order.id }, orderBy: { priceMinor: "asc" } });
    expect(tickets.map((t) => [t.priceMinor, t.status])).toEqual([[2000, "HELD"], [2000, "HELD"], [3900, "HELD"]]);
    expect(new Set(tickets.map((t) => t.qrToken)).size).toBe(3);
  });

  it("does not hold places twice when the buyer starts checkout again", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 5 });
    const me = await buyer();
    const first = await reservePlaces({ raceId: race.id, buyer: me, lines: [{ ticketTypeId: type.id, quantity: 3 }] });
    const second = await reservePlaces({ raceId: race.id, buyer: me, lines: [{ ticketTypeId: type.id, quantity: 4 }] });
    expect((await db.order.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("CANCELLED");
    expect((await db.order.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("PENDING");
    expect(await counts(type.id)).toEqual({ heldCount: 4, soldCount: 0, heldTickets: 4 });
  });

  it("explains why places cannot be held", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 3, maxPerOrder: 2 });
    const attempt = (quantity: number, raceId = race.id, ticketTypeId = type.id) =>
      buyer().then((b) => reservePlaces({ raceId, buyer: b, lines: [{ ticketTypeId, quantity }] }));
    await expect(attempt(3)).rejects.toThrow("You can buy at most 2 10K tickets in one order.");
    await expect(attempt(0)).rejects.toThrow("Choose at least one ticket.");
    await attempt(2);
    await expect(attempt(2)).rejects.toThrow("Only 1 10K place is left.");
    const draft = await createRace((await createOrganisation()).organisation.id);
    const draftType = await createTicketType(draft.id);
    await expect(attempt(1, draft.id, draftType.id)).rejects.toThrow("Registration for this race is closed.");
    await expect(attempt(1, race.id, draftType.id)).rejects.toThrow("One of the tickets is no longer offered");
    const notYet = await createTicketType(race.id, { name: "Late", salesStartAt: new Date(Date.now() + 86_400_000) });
    await expect(attempt(1, race.id, notYet.id)).rejects.toThrow("Late is not on sale right now.");
  });

  it("releases expired holds, exactly once", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 2 });
    const order = await reservePlaces({ raceId: race.id, buyer: await buyer(), lines: [{ ticketTypeId: type.id, quantity: 2 }] });
    expect(await releaseExpiredHolds(new Date())).toBe(0);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING");
    expect(await releaseExpiredHolds(new Date(Date.now() + 31 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("EXPIRED");
    expect(await counts(type.id)).toEqual({ heldCount: 0, soldCount: 0, heldTickets: 0 });
  });

  it("releases one order once even when two releases race", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 2 });
    const order = await reservePlaces({ raceId: race.id, buyer: await buyer(), lines: [{ ticketTypeId: type.id, quantity: 2 }] });
    const results = await Promise.all([releaseOrder(order.id, "EXPIRED"), releaseOrder(order.id, "CANCELLED")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await counts(type.id)).toEqual({ heldCount: 0, soldCount: 0, heldTickets: 0 });
  });
});

describe("one hold per buyer and race", () => {
  it("ends with one pending order when the same buyer reserves five times in parallel, and every request succeeds", async () => {
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 50 });
    const me = await buyer();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => reservePlaces({ raceId: race.id, buyer: me, lines: [{ ticketTypeId: type.id, quantity: i + 1 }] })),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const pending = await db.order.findMany({ where: { raceId: race.id, buyerId: me.id, status: "PENDING" }, include: { tickets: true } });
    expect(pending).toHaveLength(1);
    const held = pending[0]!.tickets.length;
    expect(await counts(type.id)).toEqual({ heldCount: held, soldCount: 0, heldTickets: held });
  });

  it("is enforced by the database: a second pending order of a buyer for a race is refused", async () => {
    const race = await publishedRace();
    const me = await buyer();
    const order = { raceId: race.id, buyerId: me.id, buyerEmail: me.email, buyerName: me.name, currency: "EUR" };
    await db.order.create({ data: order });
    const second = await db.order.create({ data: order }).catch((error: unknown) => error);
    expect(isUniqueViolation(second)).toBe(true);
    await db.order.create({ data: { ...order, status: "CANCELLED" } });
    expect(await db.order.count({ where: { raceId: race.id, buyerId: me.id } })).toBe(2);
  });
});

describe("holds per client address", () => {
  it("lets one address hold at most HOLDS_MAX_PER_IP checkouts at once, even in parallel, and says why", async () => {
    const cap = getEnv().HOLDS_MAX_PER_IP;
    const race = await publishedRace();
    const type = await createTicketType(race.id, { capacity: 1000 });
    const buyers = await Promise.all(Array.from({ length: cap + 5 }, () => buyer()));
    const hold = (b: Awaited<ReturnType<typeof buyer>>, clientIp: string) => reservePlaces({ raceId: race.id, buyer: b, lines: [{ ticketTypeId: type.id, quantity: 1 }], clientIp });
    const results = await Promise.allSettled(buyers.map((b) => hold(b, "198.51.100.7")));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.length - refused.length).toBe(cap);
    expect(refused).toHaveLength(5);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(ReservationError);
      expect(reason).toMatchObject({ status: 429, message: `Too many checkouts are open from your network right now (at most ${cap}). Finish or cancel one, or wait until a hold runs out, then try again.` });
    }
    expect(await counts(type.id)).toEqual({ heldCount: cap, soldCount: 0, heldTickets: cap });

    // Another address is not affected, a buyer already holding from this address may start again, and a
    // released hold frees a slot.
    const [turnedAway, other] = buyers.filter((_, i) => results[i]!.status === "rejected") as [typeof buyers[0], typeof buyers[0]];
    await expect(hold(other, "203.0.113.8")).resolves.toBeDefined();
    const [holding] = await db.order.findMany({ where: { raceId: race.id, status: "PENDING", clientIp: "198.51.100.7" }, select: { id: true, buyerId: true }, take: 1 });
    await expect(hold(buyers.find((b) => b.id === holding!.buyerId)!, "198.51.100.7")).resolves.toBeDefined();
    await expect(hold(turnedAway, "198.51.100.7")).rejects.toMatchObject({ status: 429 });
    const [oldest] = await db.order.findMany({ where: { raceId: race.id, status: "PENDING", clientIp: "198.51.100.7" }, select: { id: true }, take: 1 });
    await releaseOrder(oldest!.id, "CANCELLED");
    await expect(hold(turnedAway, "198.51.100.7")).resolves.toBeDefined();
  });
});

