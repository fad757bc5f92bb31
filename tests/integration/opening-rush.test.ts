// Smoke versions of `npm run bench` (reservations, webhooks and pages) at a size the integration suite can afford.
import { describe, expect, it } from "vitest";
import { load, seedRaces, staticAsset } from "../../bench/pages";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { buyerReadyToPay, completeAndDeliver, pay, raceForSale } from "../support/checkout";
import { createUser } from "../support/factories";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const WEBHOOK_SECRET = "whsec_opening_rush";
const { web, stripe } = useStack({ worker: true, stripe: { webhookSecret: WEBHOOK_SECRET } });

describe("an opening rush, small", () => {
  it("holds a place for each of 200 concurrent buyers when there are 200 places: nobody refused, nothing oversold", async () => {
    const sale = await raceForSale({ capacity: 200 });
    const buyers = await Promise.all(Array.from({ length: 200 }, () => createUser()));
    const results = await Promise.allSettled(
      buyers.map((b) => reservePlaces({ raceId: sale.race.id, buyer: { id: b.id, email: b.email, name: b.name }, lines: [{ ticketTypeId: sale.type.id, quantity: 1 }] })),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: sale.type.id }, select: { heldCount: true, soldCount: true } })).toEqual({ heldCount: 200, soldCount: 0 });
    expect(await db.ticket.count({ where: { ticketTypeId: sale.type.id, status: "HELD" } })).toBe(200);
    expect(await db.order.count({ where: { raceId: sale.race.id, status: "PENDING" } })).toBe(200);
  });

  it("issues every ticket exactly once when a burst of paid webhooks arrives at once", async () => {
    const sale = await raceForSale({ capacity: 12 });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => buyerReadyToPay(web.url, sale)));
    const sessions = await Promise.all(buyers.map(({ client, orderId }) => pay(client, orderId)));
    await Promise.all(sessions.map((sessionId) => completeAndDeliver(stripe, web.url, WEBHOOK_SECRET, sessionId)));

    const orderIds = buyers.map((b) => b.orderId);
    const paid = await waitFor(
      () => db.order.findMany({ where: { id: { in: orderIds } }, select: { status: true, tickets: { select: { status: true, bib: true } } } }),
      (orders) => orders.every((o) => o.status === "PAID"),
      45_000,
    );
    const tickets = paid.flatMap((o) => o.tickets);
    expect(tickets.map((t) => t.status)).toEqual(Array(12).fill("ISSUED"));
    expect(new Set(tickets.map((t) => t.bib)).size).toBe(12);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: sale.type.id }, select: { heldCount: true, soldCount: true } })).toEqual({ heldCount: 0, soldCount: 12 });
  });

  it("serves /races, race pages and a static file to 10 concurrent clients (the pages bench, small)", async () => {
    const slugs = await seedRaces(2);
    let next = 0;
    for (const urls of [() => `${web.url}${staticAsset()}`, () => `${web.url}/races`, () => `${web.url}/races/${slugs[next++ % slugs.length]}`]) {
      const result = await load(urls, 10, 500);
      expect(result.failed).toBe(0);
      expect(result.requests).toBeGreaterThanOrEqual(10);
    }
    const page = await (await fetch(`${web.url}/races/${slugs[0]}`)).text();
    expect(page).toContain("Bench Park Run 1");
    expect(page).toContain("<h2>The course</h2>");
  });
});
