import jsQR from "jsqr";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { Client, openEventStream } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();

async function openRace(capacity = 5) {
  const { organisation } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED" });
  const type = await createTicketType(race.id, { name: "10K", capacity, priceMinor: 3000 });
  return { race, type };
}

describe("registering from the race page", () => {
  it("sends anonymous visitors to log in and back", async () => {
    const { race, type } = await openRace();
    const response = await new Client(web.url).post(`/races/${race.slug}`, { [`qty_${type.id}`]: "1" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(`/races/${race.slug}`)}`);
  });

  it("holds the chosen places and opens the buyer's checkout", async () => {
    const { race, type } = await openRace();
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const response = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: "2" });
    expect(response.status).toBe(302);
    const order = await db.order.findFirstOrThrow({ where: { buyerId: user.id }, include: { tickets: true } });
    expect(response.headers.get("Location")).toBe(`/checkout/${order.id}`);
    expect(order.tickets).toHaveLength(2);
    const checkout = await client.request(`/checkout/${order.id}`);
    const html = await checkout.text();
    expect(html).toContain("Participant 2: 10K");
    expect(html).toContain("€60.00");
    expect(html).toContain("Your places are held for");

    const stranger = await loggedIn(web.url, (await createUser()).email);
    expect((await stranger.request(`/checkout/${order.id}`)).status).toBe(404);
    expect((await stranger.post(`/checkout/${order.id}`, { intent: "cancel" })).status).toBe(404);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING");

    const cancel = await client.post(`/checkout/${order.id}`, { intent: "cancel" });
    expect(cancel.headers.get("Location")).toBe(`/races/${race.slug}`);
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).heldCount).toBe(0);
  });

  it("says so when the race is sold out", async () => {
    const { race, type } = await openRace(1);
    await reservePlaces({ raceId: race.id, buyer: await createUser(), lines: [{ ticketTypeId: type.id, quantity: 1 }] });
    const client = await loggedIn(web.url, (await createUser()).email);
    const response = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: "1" });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("10K is sold out.");
  });

  it("pushes places left to everyone watching the race page", async () => {
    const { race, type } = await openRace(5);
    const viewer = await openEventStream(new Client(web.url), `/races/${race.slug}/live`);
    const first = await viewer.next((e) => e.event === "snapshot");
    expect(first.data).toEqual({ type: "availability", remaining: { [type.id]: 5 }, watching: 1 });
    await reservePlaces({ raceId: race.id, buyer: await createUser(), lines: [{ ticketTypeId: type.id, quantity: 3 }] });
    const update = await viewer.next((e) => e.event === "snapshot" && (e.data as { remaining: Record<string, number> }).remaining[type.id] === 2, 2_000);
    expect(update).toBeDefined();
    await viewer.close();
  });
});

describe("my tickets", () => {
  it("lists the buyer's issued tickets with a scannable QR code, and hides them from others", async () => {
    const { race, type } = await openRace();
    const user = await createUser();
    const { createParticipant } = await import("../support/factories");
    const { ticket } = await createParticipant(race.id, type.id, { firstName: "Quinn", lastName: "Racer" }, 42);
    await db.order.update({ where: { id: ticket.orderId }, data: { buyerId: user.id } });
    const client = await loggedIn(web.url, user.email);
    const list = await (await client.request("/tickets")).text();
    expect(list).toContain(`${race.name}: 10K`);
    expect(list).toContain("Bib 42");
    const page = await client.request(`/tickets/${ticket.id}`);
    expect(await page.text()).toContain("<svg");
    const png = await client.request(`/tickets/${ticket.id}/qr.png`);
    expect(png.headers.get("Content-Type")).toBe("image/png");
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(ticket.qrToken);
    const other = await loggedIn(web.url, (await createUser()).email);
    expect((await other.request(`/tickets/${ticket.id}`)).status).toBe(404);
    expect((await other.request(`/tickets/${ticket.id}/qr.png`)).status).toBe(404);
  });
});

describe("order page", () => {
  it("moves live from processing to confirmed, for the buyer only", async () => {
    const { race, type } = await openRace();
    const user = await createUser();
    const order = await reservePlaces({ raceId: race.id, buyer: user, lines: [{ ticketTypeId: type.id, quantity: 1 }] });
    const client = await loggedIn(web.url, user.email);
    expect(await (await client.request(`/orders/${order.id}`)).text()).toContain("Payment processing");
    const live = await openEventStream(client, `/orders/${order.id}/live`);
    expect(((await live.next((e) => e.event === "snapshot")).data as { status: string }).status).toBe("PENDING");

    await db.order.update({ where: { id: order.id }, data: { status: "PAID" } });
    const { announceOrderChange } = await import("~/services/orders.server");
    await announceOrderChange(order.id);
    await live.next((e) => e.event === "snapshot" && (e.data as { status: string }).status === "PAID", 2_000);
    await live.close();

    const other = await loggedIn(web.url, (await createUser()).email);
    expect((await other.request(`/orders/${order.id}`)).status).toBe(404);
    expect((await other.request(`/orders/${order.id}/live`)).status).toBe(404);
  });
});
