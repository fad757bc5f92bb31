import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSale, raceStats, type RaceStats } from "~/services/race-stats.server";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
import { Client, openEventStream, uniqueEmail, type SseEvent } from "../support/http";
import { startWeb, testEnv } from "../support/processes";
import { loggedIn } from "../support/session";

let web: Awaited<ReturnType<typeof startWeb>>;

beforeAll(async () => {
  web = await startWeb(testEnv());
});
afterAll(async () => {
  await web?.stop();
  await db.$disconnect();
  await redis.quit();
});

const DAY = 86_400_000;
const dayIn = (timeZone: string, at: Date) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);

/**
 * A race with two ticket types: 10K (3 sold, one of them two days ago, 2 held) and 5K (1 sold), one
 * order refunded in part, one pending order (not revenue) and one participant checked in.
 */
async function raceWithSales() {
  const { organisation, user: owner } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { currency: "EUR", timeZone: "Europe/Dublin" });
  const tenK = await createTicketType(race.id, { name: "10K", capacity: 100, sortOrder: 0 });
  const fiveK = await createTicketType(race.id, { name: "5K", capacity: 50, sortOrder: 1 });
  const early = await createParticipant(race.id, tenK.id);
  await createParticipant(race.id, tenK.id, { checkedInAt: new Date() });
  const refunded = await createParticipant(race.id, tenK.id);
  await createParticipant(race.id, fiveK.id);
  const twoDaysAgo = new Date(Date.now() - 2 * DAY);
  await db.order.update({ where: { id: early.order.id }, data: { paidAt: twoDaysAgo } });
  await db.order.update({ where: { id: refunded.order.id }, data: { status: "PARTIALLY_REFUNDED", refundedMinor: 1_000 } });
  await db.order.create({ data: { raceId: race.id, buyerEmail: uniqueEmail("pending"), buyerName: "Pending", currency: "EUR", totalMinor: 6_000, status: "PENDING" } });
  await db.ticketType.update({ where: { id: tenK.id }, data: { heldCount: 2 } });
  return { organisation, owner, race, tenK, fiveK, twoDaysAgo };
}

const isSnapshot = (event: SseEvent) => event.event === "snapshot";

describe("raceStats", () => {
  it("counts sold, held, remaining, check-ins, revenue after refunds and sales per day in the race's time zone", async () => {
    const { race, tenK, fiveK, twoDaysAgo } = await raceWithSales();
    const stats = await raceStats(race.id);
    expect(stats.ticketTypes).toEqual([
      { id: tenK.id, name: "10K", capacity: 100, sold: 3, held: 2, remaining: 95 },
      { id: fiveK.id, name: "5K", capacity: 50, sold: 1, held: 0, remaining: 49 },
    ]);
    expect(stats.totals).toEqual({ capacity: 150, sold: 4, held: 2, remaining: 144, participants: 4, checkedIn: 1 });
    expect(stats.revenueMinor).toBe(4 * 3_000 - 1_000);
    expect(stats.paidOrders).toBe(4);
    expect(stats.currency).toBe("EUR");
    expect(stats.salesByDay).toEqual([
      { day: dayIn("Europe/Dublin", twoDaysAgo), tickets: 1 },
      { day: dayIn("Europe/Dublin", new Date(twoDaysAgo.getTime() + DAY)), tickets: 0 },
      { day: dayIn("Europe/Dublin", new Date()), tickets: 3 },
    ]);
  });
});

describe("the live dashboard", () => {
  it("shows the numbers to a manager, with revenue in the race currency", async () => {
    const { organisation, race } = await raceWithSales();
    const manager = await loggedIn(web.url, (await addMember(organisation.id, "MANAGER")).email);
    const response = await manager.request(`/organiser/races/${race.id}/dashboard`, { headers: { "Accept-Language": "en-IE,en;q=0.8" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Live dashboard");
    expect(html).toContain("€110.00");
    expect(html).toContain("Tickets sold per day");
    expect(html).toMatch(/<th scope="row"[^>]*>10K<\/th><td[^>]*>3<\/td><td[^>]*>2<\/td><td[^>]*>95<\/td>/);
  });

  it("streams fresh stats within a second of announceSale, and coalesces a burst into few reads", async () => {
    const { owner, race, tenK } = await raceWithSales();
    const client = await loggedIn(web.url, owner.email);
    const stream = await openEventStream(client, `/organiser/races/${race.id}/dashboard/live`);
    expect(stream.response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const first = (await stream.next(isSnapshot)).data as RaceStats;
    expect(first.totals.sold).toBe(4);

    await createParticipant(race.id, tenK.id);
    const announcedAt = Date.now();
    await announceSale(race.id);
    const updated = (await stream.next((e) => isSnapshot(e) && (e.data as RaceStats).totals.sold === 5, 1_000)).data as RaceStats;
    expect(Date.now() - announcedAt).toBeLessThan(1_000);
    expect(updated.ticketTypes[0]).toMatchObject({ name: "10K", sold: 4, remaining: 94 });
    expect(updated.revenueMinor).toBe(5 * 3_000 - 1_000);

    // 20 sales over half a second: at most one read per 250 ms, and the last sale is not left out.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = stream.events.filter(isSnapshot).length;
    const burstStarted = Date.now();
    for (let sale = 0; sale < 20; sale++) {
      if (sale === 19) await createParticipant(race.id, tenK.id);
      await announceSale(race.id);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    const snapshots = stream.events.filter(isSnapshot).slice(before);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(snapshots.length).toBeLessThanOrEqual(Math.ceil((Date.now() - burstStarted) / 250) + 1);
    expect((snapshots.at(-1)!.data as RaceStats).totals.sold).toBe(6);
    await stream.close();
  });

  it("lets check-in staff see neither page nor stream (403) and hides the race from other organisations (404)", async () => {
    const { organisation, race } = await raceWithSales();
    const checkin = await loggedIn(web.url, (await addMember(organisation.id, "CHECKIN")).email);
    const stranger = await loggedIn(web.url, (await createOrganisation("OWNER")).user.email);
    for (const path of [`/organiser/races/${race.id}/dashboard`, `/organiser/races/${race.id}/dashboard/live`]) {
      expect((await checkin.request(path)).status).toBe(403);
      expect((await stranger.request(path)).status).toBe(404);
    }
    const anonymous = await new Client(web.url).request(`/organiser/races/${race.id}/dashboard/live`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    expect((await stranger.request(`/organiser/races/not-a-race/dashboard/live`)).status).toBe(404);
  });
});
