import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const { web } = useStack({ worker: true });

async function raceWithEverything() {
  const { organisation } = await createOrganisation();
  const startsAt = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 5, 14, 8, 0));
  const race = await createRace(organisation.id, { status: "PUBLISHED", startsAt, guardianUnderAge: 18, standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"] });
  const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 10, bibRangeStart: 100, bibRangeEnd: 199 });
  const fiveK = await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 10, minAge: 10, bibRangeStart: 1, bibRangeEnd: 99 });
  const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "Club member?", kind: "CHECKBOX", required: false } });
  const waiver = await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept the risks.", contentHash: "hash-v1" } });
  const code = await db.discountCode.create({ data: { raceId: race.id, code: "HALF", kind: "PERCENT", amount: 50, maxRedemptions: 5 } });
  return { race, tenK, fiveK, question, waiver, code, startsAt };
}

function participantFields(ticketId: string, first: string, last: string, dateOfBirth: string, extra: Record<string, string> = {}) {
  return {
    intent: "participant",
    ticketId,
    "participant.firstName": first,
    "participant.lastName": last,
    "participant.email": `${first.toLowerCase()}@example.com`,
    "participant.dateOfBirth": dateOfBirth,
    "participant.emergencyName": "Pat Contact",
    "participant.emergencyPhone": "+353 87 123 4567",
    signedName: `${first} ${last}`,
    ...extra,
  };
}

describe("checkout in demo payment mode", () => {
  it("registers two participants (one a minor with a guardian), applies a code, pays, and issues tickets once", async () => {
    const { race, tenK, fiveK, waiver, code, startsAt } = await raceWithEverything();
    const buyer = await createUser({ name: "Bea Buyer" });
    const client = await loggedIn(web.url, buyer.email);
    const held = await client.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "1", [`qty_${fiveK.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const tickets = await db.ticket.findMany({ where: { orderId }, orderBy: { priceMinor: "desc" } });
    const [adultTicket, childTicket] = tickets as [(typeof tickets)[0], (typeof tickets)[0]];

    // Paying before the forms are complete is refused with a clear message.
    const early = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(early.status).toBe(400);
    expect(await early.text()).toContain("Fill in and sign for participant 1, 2 before paying.");

    expect((await client.post(`/checkout/${orderId}`, participantFields(adultTicket.id, "Ada", "Adult", "1985-03-02"))).status).toBe(200);

    const childBirthYear = startsAt.getUTCFullYear() - 12;
    const child = participantFields(childTicket.id, "Kit", "Young", `${childBirthYear}-01-01`);
    const noGuardian = await client.post(`/checkout/${orderId}`, child);
    expect(noGuardian.status).toBe(400);
    expect(await noGuardian.text()).toContain("a parent or guardian must sign too");
    const wrongSignature = await client.post(`/checkout/${orderId}`, { ...child, signedName: "Someone Else", guardianName: "Gail Young" });
    expect(await wrongSignature.text()).toContain("Type the participant&#x27;s full name, Kit Young, to sign the waiver.");
    const tooYoung = await client.post(`/checkout/${orderId}`, { ...child, "participant.dateOfBirth": `${startsAt.getUTCFullYear() - 8}-01-01`, guardianName: "Gail Young" });
    expect(await tooYoung.text()).toContain("5K is for ages 10 and over on race day; this participant will be 8.");
    expect((await client.post(`/checkout/${orderId}`, { ...child, guardianName: "Gail Young" })).status).toBe(200);

    const badCode = await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "NOPE" });
    expect(badCode.status).toBe(400);
    expect((await client.post(`/checkout/${orderId}`, { intent: "apply-code", code: "half" })).status).toBe(200);
    const summary = await (await client.request(`/checkout/${orderId}`)).text();
    expect(summary).toContain("Discount (HALF)");
    expect(summary).toContain("€25.00");

    const pay = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(pay.headers.get("Location")).toBe(`/checkout/${orderId}/demo-pay`);
    const demo = await client.request(`/checkout/${orderId}/demo-pay`);
    expect(await demo.text()).toContain("Demo payment: no money moves.");
    const paid = await client.post(`/checkout/${orderId}/demo-pay`, {});
    expect(paid.headers.get("Location")).toBe(`/orders/${orderId}`);

    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: { include: { participant: { include: { waiverSignature: true } } } } } }), (o) => o.status === "PAID");
    expect(order.status).toBe("PAID");
    expect(order.totalMinor).toBe(2500);
    expect(order.tickets.every((t) => t.status === "ISSUED")).toBe(true);
    expect(order.tickets.map((t) => t.bib).sort((a, b) => a! - b!)).toEqual([1, 100]);
    const childSigned = order.tickets.find((t) => t.id === childTicket.id)!.participant!.waiverSignature!;
    expect(childSigned).toMatchObject({ waiverVersionId: waiver.id, contentHash: "hash-v1", signedName: "Kit Young", guardianName: "Gail Young" });
    expect(childSigned.ip).toBeTruthy();
    expect(childSigned.userAgent).toBe("node");
    expect(await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).toMatchObject({ redemptionCount: 1 });
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).toMatchObject({ soldCount: 1, heldCount: 0 });
    const email = await waitFor(() => db.emailMessage.findFirst({ where: { to: buyer.email, kind: "order_confirmed" } }), (e) => e?.status === "SENT");
    expect(email?.subject).toBe(`You're registered: ${race.name}`);
    expect((email?.attachments as unknown[]).length).toBe(2);
    expect(await db.notification.count({ where: { userId: buyer.id, kind: "order.paid" } })).toBe(1);
    expect(await (await client.request(`/orders/${orderId}`)).text()).toContain("Confirmed");
  });

  it("completes a free order without payment", async () => {
    const { organisation } = await createOrganisation();
    const race = await createRace(organisation.id, { status: "PUBLISHED", standardFields: [] });
    const free = await createTicketType(race.id, { name: "Fun run", priceMinor: 0 });
    await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "W", text: "ok", contentHash: "h" } });
    const client = await loggedIn(web.url, (await createUser()).email);
    const held = await client.post(`/races/${race.slug}`, { [`qty_${free.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const ticket = await db.ticket.findFirstOrThrow({ where: { orderId } });
    await client.post(`/checkout/${orderId}`, { intent: "participant", ticketId: ticket.id, "participant.firstName": "Fay", "participant.lastName": "Free", "participant.email": "fay@example.com", signedName: "fay free" });
    const pay = await client.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(pay.headers.get("Location")).toBe(`/orders/${orderId}`);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("PAID");
  });

  it("keeps another buyer out of the checkout", async () => {
    const { race, tenK } = await raceWithEverything();
    const owner = await loggedIn(web.url, (await createUser()).email);
    const held = await owner.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const ticket = await db.ticket.findFirstOrThrow({ where: { orderId } });
    const other = await loggedIn(web.url, (await createUser()).email);
    expect((await other.request(`/checkout/${orderId}`)).status).toBe(404);
    expect((await other.post(`/checkout/${orderId}`, participantFields(ticket.id, "Eve", "Intruder", "1980-01-01"))).status).toBe(404);
    expect((await other.post(`/checkout/${orderId}/demo-pay`, {})).status).toBe(404);
    expect(await db.participant.count({ where: { ticketId: ticket.id } })).toBe(0);
    expect((await new Client(web.url).request(`/checkout/${orderId}`)).status).toBe(302);
  });
});
