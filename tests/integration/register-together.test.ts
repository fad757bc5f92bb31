import { beforeAll, describe, expect, it } from "vitest";
import { newRoomCode } from "~/services/rooms.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { openEventStream } from "../support/http";
import { redisForTest } from "../support/app-clients";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const { web } = useStack({ worker: true });
const roomListener = redisForTest();
const roomMessages: { channel: string; type: string }[] = [];

beforeAll(async () => {
  await roomListener.psubscribe(`${process.env.REDIS_PREFIX}:room:*`);
  roomListener.on("pmessage", (_pattern, channel: string, raw: string) => {
    roomMessages.push({ channel, type: (JSON.parse(raw) as { type: string }).type });
  });
});

async function raceWithRoom(teamName: string | null) {
  const { organisation, user: organiser } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED", standardFields: ["DATE_OF_BIRTH"] });
  const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 10 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Harbour waiver", text: "I accept the risks.", contentHash: "hash-v1" } });
  const owner = await createUser({ name: "Olive Owner" });
  const member = await createUser({ name: "Milo Member" });
  const room = await db.room.create({
    data: { raceId: race.id, ownerId: owner.id, name: "Friday Joggers", teamName, code: newRoomCode() },
  });
  await db.roomMember.createMany({
    data: [
      { roomId: room.id, raceId: race.id, userId: owner.id },
      { roomId: room.id, raceId: race.id, userId: member.id },
    ],
  });
  return { race, tenK, organiser, owner, member, room };
}

function participantFields(ticketId: string, first: string, last: string) {
  return {
    intent: "participant",
    ticketId,
    "participant.firstName": first,
    "participant.lastName": last,
    "participant.email": `${first.toLowerCase()}@example.com`,
    "participant.dateOfBirth": "1990-04-05",
    signedName: `${first} ${last}`,
  };
}

function roomEvents(roomId: string) {
  return roomMessages.filter((m) => m.channel === `${process.env.REDIS_PREFIX}:room:${roomId}`).length;
}

describe("registering together through a room", () => {
  it("lets the owner buy for the room, hand a ticket to a member who fills and signs it, then pay; participants carry the team", async () => {
    const { race, tenK, organiser, owner, member, room } = await raceWithRoom("Harbour Harriers");
    const ownerClient = await loggedIn(web.url, owner.email);
    const memberClient = await loggedIn(web.url, member.email);
    const stranger = await loggedIn(web.url, (await createUser({ name: "Stan Stranger" })).email);

    expect(await (await ownerClient.request(`/races/${race.slug}`)).text()).toContain("You&#x27;re in the room Friday Joggers: places you register here go with team Harbour Harriers");
    expect(await (await stranger.request(`/races/${race.slug}`)).text()).not.toContain("You&#x27;re in the room");
    const held = await ownerClient.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "2" });
    expect(held.status).toBe(302);
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const tickets = await db.ticket.findMany({ where: { orderId }, orderBy: { createdAt: "asc" } });
    expect(tickets.map((t) => t.roomId)).toEqual([room.id, room.id]);
    const [mine, theirs] = tickets as [(typeof tickets)[0], (typeof tickets)[0]];
    await waitFor(async () => roomEvents(room.id), (n) => n >= 1, 2_000);
    expect(roomEvents(room.id)).toBeGreaterThanOrEqual(1);

    const checkout = await (await ownerClient.request(`/checkout/${orderId}`)).text();
    expect(checkout).toContain("Who fills in participant 2?");
    expect(checkout).toContain(">Milo Member</option>");

    // Only members of the room can be given a ticket.
    const notMember = await ownerClient.post(`/checkout/${orderId}`, { intent: "assign", ticketId: theirs.id, assigneeId: (await createUser()).id });
    expect(notMember.status).toBe(400);
    expect(await notMember.text()).toContain("Choose someone who is in your room.");

    const before = roomEvents(room.id);
    const assigned = await ownerClient.post(`/checkout/${orderId}`, { intent: "assign", ticketId: theirs.id, assigneeId: member.id });
    expect(assigned.status).toBe(200);
    expect((await db.ticket.findUniqueOrThrow({ where: { id: theirs.id } })).assigneeId).toBe(member.id);
    const link = `/checkout/${orderId}/participant/${theirs.id}`;
    const invitation = await waitFor(() => db.emailMessage.findFirst({ where: { to: member.email, kind: "ticket_assigned" } }), (e) => e?.status === "SENT");
    expect(invitation?.subject).toBe(`Olive Owner registered you for ${race.name}`);
    expect(invitation?.text).toContain(link);
    expect(await db.notification.findFirst({ where: { userId: member.id, kind: "ticket.assigned" }, select: { href: true } })).toEqual({ href: link });
    expect(await (await ownerClient.request(`/checkout/${orderId}`)).text()).toContain("Waiting for Milo Member");

    // The buyer fills their own ticket; the assigned one is the member's to fill, and payment waits for it.
    const early = await ownerClient.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(early.status).toBe(400);
    expect(await early.text()).toContain("Fill in and sign for participant 1 before paying. Waiting for Milo Member (participant 2) to fill in and sign their form.");
    expect((await ownerClient.post(`/checkout/${orderId}`, participantFields(mine.id, "Olive", "Owner"))).status).toBe(200);
    expect((await ownerClient.post(`/checkout/${orderId}`, participantFields(theirs.id, "Olive", "Owner"))).status).toBe(404);
    const stillWaiting = await ownerClient.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(stillWaiting.status).toBe(400);
    expect(await stillWaiting.text()).toContain("Waiting for Milo Member (participant 2) to fill in and sign their form.");

    // Nobody but the assignee sees or saves that form.
    expect((await stranger.request(link)).status).toBe(404);
    expect((await stranger.post(link, participantFields(theirs.id, "Stan", "Stranger"))).status).toBe(404);
    expect((await ownerClient.request(link)).status).toBe(404);
    expect((await memberClient.request(`/checkout/${orderId}/participant/${mine.id}`)).status).toBe(404);
    expect((await memberClient.request(`/checkout/${orderId}`)).status).toBe(404);
    expect((await memberClient.post(`/checkout/${orderId}`, participantFields(mine.id, "Milo", "Member"))).status).toBe(404);

    const buyerFeed = await openEventStream(ownerClient, `/orders/${orderId}/live`);
    await buyerFeed.next((e) => e.event === "snapshot");
    const page = await (await memberClient.request(link)).text();
    expect(page).toContain("Olive Owner is registering you for");
    expect(page).toContain("Harbour waiver");
    expect(page).toContain(theirs.id);
    expect(page).not.toContain(mine.id);
    const saved = await memberClient.post(link, participantFields(theirs.id, "Milo", "Member"));
    expect(saved.status).toBe(200);
    // The buyer's open page hears about it and re-reads: the ticket shows as done.
    await waitFor(async () => buyerFeed.events.filter((e) => e.event === "snapshot").length, (n) => n >= 2, 2_000);
    expect(buyerFeed.events.filter((e) => e.event === "snapshot").length).toBeGreaterThanOrEqual(2);
    await buyerFeed.close();
    expect(await (await ownerClient.request(`/checkout/${orderId}`)).text()).toContain("Filled in and signed by Milo Member");
    expect(roomEvents(room.id)).toBeGreaterThan(before + 1);
    const signature = await db.waiverSignature.findFirstOrThrow({ where: { participant: { ticketId: theirs.id } } });
    expect(signature.signedName).toBe("Milo Member");

    const pay = await ownerClient.post(`/checkout/${orderId}`, { intent: "pay" });
    expect(pay.headers.get("Location")).toBe(`/checkout/${orderId}/demo-pay`);
    expect((await ownerClient.post(`/checkout/${orderId}/demo-pay`, {})).headers.get("Location")).toBe(`/orders/${orderId}`);
    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId }, include: { tickets: { include: { participant: true } } } }), (o) => o.status === "PAID");
    expect(order.status).toBe("PAID");
    expect(order.tickets.map((t) => [t.participant?.firstName, t.participant?.teamName]).sort()).toEqual([
      ["Milo", "Harbour Harriers"],
      ["Olive", "Harbour Harriers"],
    ]);
    const afterPay = roomEvents(room.id);
    expect(afterPay).toBeGreaterThan(before + 2);
    expect(await (await memberClient.request(link)).text()).toContain("This registration is complete");

    const organiserClient = await loggedIn(web.url, organiser.email);
    const list = await (await organiserClient.request(`/organiser/races/${race.id}/participants`)).text();
    expect(list).toContain("Harbour Harriers");
    const csv = await (await organiserClient.request(`/organiser/races/${race.id}/participants.csv`)).text();
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    const teamColumn = header!.split(",").indexOf("Team");
    expect(teamColumn).toBeGreaterThanOrEqual(0);
    expect(rows.filter((row) => row.includes("Harbour Harriers"))).toHaveLength(2);
  });

  it("shows the buyer only the name and status of a ticket a room member filled in, never their details", async () => {
    const { race, tenK, owner, member } = await raceWithRoom("Harbour Harriers");
    await db.race.update({ where: { id: race.id }, data: { standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"] } });
    const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "Medical conditions", kind: "TEXT" } });
    const ownerClient = await loggedIn(web.url, owner.email);
    const memberClient = await loggedIn(web.url, member.email);
    const held = await ownerClient.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "2" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const [mine, theirs] = await db.ticket.findMany({ where: { orderId }, orderBy: { createdAt: "asc" }, select: { id: true } });
    if (!mine || !theirs) throw new Error("expected two held tickets");
    await ownerClient.post(`/checkout/${orderId}`, { intent: "assign", ticketId: theirs.id, assigneeId: member.id });
    const saved = await memberClient.post(`/checkout/${orderId}/participant/${theirs.id}`, {
      ...participantFields(theirs.id, "Milo", "Member"),
      "participant.dateOfBirth": "1987-11-23",
      "participant.emergencyName": "Mona Member",
      "participant.emergencyPhone": "+353 87 765 4321",
      [`participant.answers.${question.id}`]: "asthma-inhaler",
    });
    expect(saved.status).toBe(200);
    // The member's details are stored for the organiser...
    expect(await db.participant.findUniqueOrThrow({ where: { ticketId: theirs.id } })).toMatchObject({ emergencyPhone: "+353 87 765 4321" });
    // ...while the buyer's own form keeps showing what the buyer saved.
    const own = await ownerClient.post(`/checkout/${orderId}`, {
      ...participantFields(mine.id, "Olive", "Owner"),
      "participant.dateOfBirth": "1979-02-14",
      "participant.emergencyName": "Otto Owner",
      "participant.emergencyPhone": "+353 86 111 2222",
    });
    expect(own.status).toBe(200);

    const html = await (await ownerClient.request(`/checkout/${orderId}`)).text();
    const data = await (await ownerClient.request(`/checkout/${orderId}.data`)).text();
    for (const body of [html, data]) {
      expect(body).toContain("Milo Member");
      expect(body).toContain("1979-02-14");
      for (const secret of ["1987-11-23", "Mona Member", "765 4321", "asthma-inhaler", "milo@example.com"]) expect(body).not.toContain(secret);
    }
    expect(html).toContain("Filled in and signed by Milo Member");
  });

  it("lets a member register themselves while in the room; the team falls back to the room's name", async () => {
    const { race, tenK, member, room } = await raceWithRoom(null);
    const memberClient = await loggedIn(web.url, member.email);
    const held = await memberClient.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const [ticket] = await db.ticket.findMany({ where: { orderId } });
    expect(ticket?.roomId).toBe(room.id);
    expect((await memberClient.post(`/checkout/${orderId}`, participantFields(ticket!.id, "Milo", "Member"))).status).toBe(200);
    await memberClient.post(`/checkout/${orderId}`, { intent: "pay" });
    await memberClient.post(`/checkout/${orderId}/demo-pay`, {});
    const participant = await waitFor(() => db.participant.findUnique({ where: { ticketId: ticket!.id } }), (p) => p?.teamName != null);
    expect(participant?.teamName).toBe("Friday Joggers");
  });

  it("leaves tickets bought outside a room, or after leaving it, without a room", async () => {
    const { race, tenK, member, room } = await raceWithRoom("Harbour Harriers");
    await db.roomMember.updateMany({ where: { roomId: room.id, userId: member.id }, data: { leftAt: new Date() } });
    const memberClient = await loggedIn(web.url, member.email);
    const held = await memberClient.post(`/races/${race.slug}`, { [`qty_${tenK.id}`]: "1" });
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    expect((await db.ticket.findFirstOrThrow({ where: { orderId } })).roomId).toBeNull();
    expect(await (await memberClient.request(`/checkout/${orderId}`)).text()).not.toContain("Who fills in participant");
  });
});
