import { describe, expect, it } from "vitest";
import { releaseExpiredHolds } from "~/services/hold-releases.server";
import { admitNext, joinQueue, runAdmissionTick, saveQueueSettings } from "~/services/queue.server";
import { refundTicket } from "~/services/refunds.server";
import { reservePlaces } from "~/services/reservations.server";
import { updateTicketType } from "~/services/ticket-types.server";
import { offerFreedPlaces } from "~/services/waitlist-offers.server";
import { joinWaitlist, leaveWaitlist, offerByHand, setClaimWindow } from "~/services/waitlist.server";
import { db } from "~/utils/db.server";
import { raceForSale } from "../support/checkout";
import { addMember, createParticipant, createUser } from "../support/factories";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();

const HOUR = 3600_000;

/** A published race whose one ticket type (free unless priced) is sold out: `capacity` places, all sold. */
async function soldOutRace({ capacity = 1, priceMinor = 3000 }: { capacity?: number; priceMinor?: number } = {}) {
  const sale = await raceForSale({ capacity });
  const type = await db.ticketType.update({ where: { id: sale.type.id }, data: { soldCount: capacity, priceMinor } });
  return { ...sale, type };
}

const entryOf = (ticketTypeId: string, userId: string) => db.waitlistEntry.findUniqueOrThrow({ where: { ticketTypeId_userId: { ticketTypeId, userId } } });
const placesOf = (ticketTypeId: string) => db.ticketType.findUniqueOrThrow({ where: { id: ticketTypeId }, select: { capacity: true, soldCount: true, heldCount: true } });
const joinAs = (raceId: string, ticketTypeId: string, userId: string) => joinWaitlist({ raceId, ticketTypeId, userId });

function ticketTypeInput(type: { name: string; description: string; priceMinor: number; capacity: number; salesStartAt: Date | null; salesEndAt: Date | null; minAge: number | null; maxPerOrder: number; bibRangeStart: number | null; bibRangeEnd: number | null; sortOrder: number }) {
  const { name, description, priceMinor, capacity, salesStartAt, salesEndAt, minAge, maxPerOrder, bibRangeStart, bibRangeEnd, sortOrder } = type;
  return { name, description, priceMinor, capacity, salesStartAt, salesEndAt, minAge, maxPerOrder, bibRangeStart, bibRangeEnd, sortOrder };
}

describe("offers when a place frees", () => {
  it("holds an expired hold's place for the first in line, then passes an unclaimed offer to the next", async () => {
    const { race, type } = await raceForSale({ capacity: 1 });
    const holder = await createUser();
    await reservePlaces({ raceId: race.id, buyer: holder, lines: [{ ticketTypeId: type.id, quantity: 1 }] });
    const [first, second] = [await createUser(), await createUser()];
    await joinAs(race.id, type.id, first.id);
    await joinAs(race.id, type.id, second.id);

    // The checkout hold runs out: its place is held for the first person, for the race's claim window (12 h by default).
    const before = Date.now();
    expect(await releaseExpiredHolds(new Date(Date.now() + 31 * 60_000))).toBe(1);
    const offer = await entryOf(type.id, first.id);
    expect(offer).toMatchObject({ status: "OFFERED", offeredById: null });
    expect(offer.offerExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 12 * HOUR);
    expect(await db.order.findUniqueOrThrow({ where: { id: offer.orderId! } })).toMatchObject({ status: "PENDING", buyerId: first.id, holdExpiresAt: offer.offerExpiresAt });
    expect(await placesOf(type.id)).toMatchObject({ soldCount: 0, heldCount: 1 });
    expect((await entryOf(type.id, second.id)).status).toBe("WAITING");
    expect(await db.emailMessage.count({ where: { userId: first.id, kind: "waitlist_offer" } })).toBe(1);
    expect(await db.notification.count({ where: { userId: first.id, kind: "waitlist.offered" } })).toBe(1);

    // Unclaimed: the offer's hold runs out like any other and the place moves on to the next person.
    await releaseExpiredHolds(new Date(Date.now() + 13 * HOUR));
    expect((await entryOf(type.id, first.id)).status).toBe("EXPIRED");
    const next = await entryOf(type.id, second.id);
    expect(next.status).toBe("OFFERED");
    expect(await placesOf(type.id)).toMatchObject({ soldCount: 0, heldCount: 1 });
    expect(await db.emailMessage.count({ where: { userId: second.id, kind: "waitlist_offer" } })).toBe(1);

    // Running the sweep again (a job that runs twice) offers nothing more.
    expect(await offerFreedPlaces()).toBe(0);
    expect(await db.order.count({ where: { raceId: race.id, status: "PENDING" } })).toBe(1);
  });

  it("offers the places a raised capacity adds, in joining order, and never more than were added", async () => {
    const { race, type, owner } = await soldOutRace({ capacity: 2 });
    const people = [await createUser(), await createUser(), await createUser()];
    for (const person of people) await joinAs(race.id, type.id, person.id);
    const current = await db.ticketType.findUniqueOrThrow({ where: { id: type.id } });
    await updateTicketType({ raceId: race.id, actorId: owner.id }, type.id, ticketTypeInput({ ...current, capacity: 4 }));
    const statuses = await Promise.all(people.map(async (person) => (await entryOf(type.id, person.id)).status));
    expect(statuses).toEqual(["OFFERED", "OFFERED", "WAITING"]);
    expect(await placesOf(type.id)).toMatchObject({ capacity: 4, soldCount: 2, heldCount: 2 });
  });

  it("offers a refunded ticket's place, and leaving with an offer passes it on at once", async () => {
    const { race, type, owner } = await raceForSale({ capacity: 1 });
    const { ticket } = await createParticipant(race.id, type.id);
    const [first, second] = [await createUser(), await createUser()];
    await joinAs(race.id, type.id, first.id);
    await joinAs(race.id, type.id, second.id);
    await refundTicket({ raceId: race.id, ticketId: ticket.id, actorId: owner.id });
    expect((await entryOf(type.id, first.id)).status).toBe("OFFERED");

    await leaveWaitlist({ raceId: race.id, ticketTypeId: type.id, userId: first.id });
    expect((await entryOf(type.id, first.id)).status).toBe("LEFT");
    expect((await entryOf(type.id, second.id)).status).toBe("OFFERED");
    expect(await placesOf(type.id)).toMatchObject({ soldCount: 0, heldCount: 1 });
    await expect(leaveWaitlist({ raceId: race.id, ticketTypeId: type.id, userId: first.id })).rejects.toMatchObject({ status: 409, message: "You have already left this waiting list." });
  });

  it("passes over someone in another checkout of the race and offers them once it has ended", async () => {
    const { race, type, owner } = await soldOutRace({ capacity: 1 });
    const other = await db.ticketType.create({ data: { raceId: race.id, name: "5K", priceMinor: 2000, capacity: 10 } });
    const [busy, patient] = [await createUser(), await createUser()];
    await joinAs(race.id, type.id, busy.id);
    await joinAs(race.id, type.id, patient.id);
    await reservePlaces({ raceId: race.id, buyer: busy, lines: [{ ticketTypeId: other.id, quantity: 1 }] });
    const current = await db.ticketType.findUniqueOrThrow({ where: { id: type.id } });
    await updateTicketType({ raceId: race.id, actorId: owner.id }, type.id, ticketTypeInput({ ...current, capacity: 2 }));
    expect((await entryOf(type.id, busy.id)).status).toBe("WAITING");
    expect((await entryOf(type.id, patient.id)).status).toBe("OFFERED");
  });
});

describe("a buyer claims an offer through the race page", () => {
  it("joins with one click, claims the held place into checkout and registers", async () => {
    const { race, type, owner, waiver } = await soldOutRace({ capacity: 1, priceMinor: 0 });
    const buyer = await createUser();
    const client = await loggedIn(web.url, buyer.email);

    const page = await (await client.request(`/races/${race.slug}`)).text();
    expect(page).toContain("Join the 10K waiting list");
    const joined = await client.post(`/races/${race.slug}`, { waitlist: "join", ticketTypeId: type.id });
    expect(joined.status).toBe(302);
    expect((await entryOf(type.id, buyer.id)).status).toBe("WAITING");
    expect(await (await client.request(`/races/${race.slug}`)).text()).toContain("first on the waiting list");

    const current = await db.ticketType.findUniqueOrThrow({ where: { id: type.id } });
    await updateTicketType({ raceId: race.id, actorId: owner.id }, type.id, ticketTypeInput({ ...current, capacity: 2 }));
    const offer = await entryOf(type.id, buyer.id);
    expect(offer.status).toBe("OFFERED");
    expect(await (await client.request(`/races/${race.slug}`)).text()).toContain("Claim your 10K place");

    const claimed = await client.post(`/races/${race.slug}`, { waitlist: "claim", ticketTypeId: type.id });
    expect(claimed.status).toBe(302);
    expect(claimed.headers.get("Location")).toBe(`/checkout/${offer.orderId}`);
    expect((await entryOf(type.id, buyer.id)).status).toBe("CLAIMED");

    const [ticket] = await db.ticket.findMany({ where: { orderId: offer.orderId! } });
    await db.participant.create({
      data: { ticketId: ticket!.id, raceId: race.id, firstName: "Wait", lastName: "Lister", email: buyer.email, waiverSignature: { create: { waiverVersionId: waiver.id, contentHash: waiver.contentHash, signedName: "Wait Lister" } } },
    });
    const paid = await client.post(`/checkout/${offer.orderId}`, { intent: "pay" });
    expect(paid.status).toBe(302);
    expect(paid.headers.get("Location")).toBe(`/orders/${offer.orderId}`);
    expect((await db.order.findUniqueOrThrow({ where: { id: offer.orderId! } })).status).toBe("PAID");
    await offerFreedPlaces();
    expect((await entryOf(type.id, buyer.id)).status).toBe("PURCHASED");
    expect(await placesOf(type.id)).toMatchObject({ capacity: 2, soldCount: 2, heldCount: 0 });
  });

  it("offers the waiting list to a queue entry the sell-out ended", async () => {
    const { race, type, owner } = await raceForSale({ capacity: 1 });
    const opensAt = new Date(Date.now() - 60_000);
    await saveQueueSettings({ raceId: race.id, actorId: owner.id, settings: { enabled: true, opensAt, preQueueMinutes: 10, admitPerMinute: null, passMinutes: 10, checkoutCap: 10 } });
    const [winner, late] = [await createUser(), await createUser()];
    await joinQueue({ raceId: race.id, userId: winner.id, now: opensAt });
    await joinQueue({ raceId: race.id, userId: late.id, now: opensAt });
    await admitNext({ raceId: race.id, actorId: owner.id, count: 1 });
    await db.ticketType.update({ where: { id: type.id }, data: { soldCount: 1 } });
    await runAdmissionTick();
    const client = await loggedIn(web.url, late.email);
    const page = await (await client.request(`/races/${race.slug}/queue`)).text();
    expect(page).toContain("Join the 10K waiting list");
    const joined = await client.post(`/races/${race.slug}/queue`, { waitlist: "join", ticketTypeId: type.id });
    expect(joined.status).toBe(302);
    expect(joined.headers.get("Location")).toBe(`/races/${race.slug}/queue#waiting-list`);
    expect((await entryOf(type.id, late.id)).status).toBe("WAITING");
  });
});

describe("bad input and abuse, by direct POST", () => {
  it("refuses joining with places left, twice, an unknown or foreign ticket type, odd input, and claiming or leaving what is not theirs", async () => {
    const { race, type } = await soldOutRace({ capacity: 1 });
    const open = await raceForSale({ capacity: 5 });
    const buyer = await createUser();
    const client = await loggedIn(web.url, buyer.email);
    const post = (slug: string, fields: Record<string, string>) => client.post(`/races/${slug}`, fields);

    expect((await post(open.race.slug, { waitlist: "join", ticketTypeId: open.type.id })).status).toBe(409);
    expect((await post(race.slug, { waitlist: "join", ticketTypeId: "no-such-type" })).status).toBe(404);
    expect((await post(race.slug, { waitlist: "join", ticketTypeId: open.type.id })).status).toBe(404);
    expect((await post(race.slug, { waitlist: "join" })).status).toBe(400);
    expect((await post(race.slug, { waitlist: "jump-the-line", ticketTypeId: type.id })).status).toBe(400);
    expect((await post(race.slug, { waitlist: "claim", ticketTypeId: type.id })).status).toBe(404);
    expect((await post(race.slug, { waitlist: "leave", ticketTypeId: type.id })).status).toBe(404);
    expect(await db.waitlistEntry.count({ where: { userId: buyer.id } })).toBe(0);

    expect((await post(race.slug, { waitlist: "join", ticketTypeId: type.id })).status).toBe(302);
    const twice = await post(race.slug, { waitlist: "join", ticketTypeId: type.id });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("already on the 10K waiting list");
    expect((await post(race.slug, { waitlist: "claim", ticketTypeId: type.id })).status).toBe(409);
    const parallel = await Promise.all([createUser(), createUser()].map(async (made) => {
      const user = await made;
      return Promise.allSettled(Array.from({ length: 4 }, () => joinAs(race.id, type.id, user.id)));
    }));
    for (const attempts of parallel) expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    expect(await db.waitlistEntry.count({ where: { ticketTypeId: type.id } })).toBe(3);

    const signedOut = await fetch(new URL(`/races/${race.slug}`, web.url), { method: "POST", body: new URLSearchParams({ waitlist: "join", ticketTypeId: type.id }), redirect: "manual", headers: { Origin: new URL(web.url).origin, "Sec-Fetch-Site": "same-origin" } });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("Location")).toContain("/login");
  });

  it("lets only the race's managers offer by hand, refuses it with no place free unless one is added, and audits it", async () => {
    const { race, type, organisation } = await soldOutRace({ capacity: 1 }).then(async (sale) => ({ ...sale, organisation: await db.race.findUniqueOrThrow({ where: { id: sale.race.id }, select: { organisationId: true } }) }));
    const manager = await addMember(organisation.organisationId, "MANAGER");
    const checkin = await addMember(organisation.organisationId, "CHECKIN");
    const [first, second] = [await createUser(), await createUser()];
    await joinAs(race.id, type.id, first.id);
    await joinAs(race.id, type.id, second.id);
    const secondEntry = await entryOf(type.id, second.id);
    const consolePath = `/organiser/races/${race.id}/waitlist`;

    const staff = await loggedIn(web.url, checkin.email);
    expect((await staff.post(consolePath, { intent: "offer", entryId: secondEntry.id })).status).toBe(403);
    const organiser = await loggedIn(web.url, manager.email);
    expect(await (await organiser.request(consolePath)).text()).toContain(`Offer a place to ${second.name}`);
    const full = await organiser.post(consolePath, { intent: "offer", entryId: secondEntry.id });
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("No 10K place is free");
    expect(await placesOf(type.id)).toMatchObject({ capacity: 1, heldCount: 0 });

    const elsewhere = await raceForSale();
    await expect(offerByHand({ raceId: elsewhere.race.id, actorId: manager.id, entryId: secondEntry.id, addPlace: true })).rejects.toMatchObject({ status: 404 });

    // Out of turn, with a place added for them.
    expect((await organiser.post(consolePath, { intent: "offer", entryId: secondEntry.id, addPlace: "on" })).status).toBe(200);
    expect(await entryOf(type.id, second.id)).toMatchObject({ status: "OFFERED", offeredById: manager.id });
    expect((await entryOf(type.id, first.id)).status).toBe("WAITING");
    expect(await placesOf(type.id)).toMatchObject({ capacity: 2, heldCount: 1 });
    expect((await organiser.post(consolePath, { intent: "offer", entryId: secondEntry.id, addPlace: "on" })).status).toBe(409);
    expect(await placesOf(type.id)).toMatchObject({ capacity: 2, heldCount: 1 });

    for (const hours of ["0", "25", "soon"]) expect((await organiser.post(consolePath, { intent: "claim-window", claimHours: hours })).status).toBe(400);
    await expect(setClaimWindow({ raceId: race.id, actorId: manager.id, hours: 0.1 })).rejects.toMatchObject({ status: 400 });
    expect((await organiser.post(consolePath, { intent: "claim-window", claimHours: "2" })).status).toBe(200);
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).waitlistClaimMinutes).toBe(120);

    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: { startsWith: "waitlist." } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([["waitlist.offered_by_hand", manager.id], ["waitlist.claim_window_changed", manager.id]]);
    expect(audit[0]!.changes).toMatchObject({ userId: second.id, capacity: { from: 1, to: 2 } });
    expect(audit[1]!.changes).toEqual({ waitlistClaimMinutes: { from: 720, to: 120 } });
  });
});
