import { describe, expect, it } from "vitest";
import { admitNext, joinQueue, leaveQueue, pauseQueue, resumeQueue, runAdmissionTick, saveQueueSettings, setAdmissionRate } from "~/services/queue.server";
import { reservePlaces } from "~/services/reservations.server";
import { createRoom, joinRoom } from "~/services/rooms.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";

const MINUTE = 60_000;

type Setup = { capacity?: number; opensInMs?: number; admitPerMinute?: number | null; checkoutCap?: number; passMinutes?: number; preQueueMinutes?: number };

/** A published race with one ticket type and its queue, opening `opensInMs` from now. */
async function queuedRace({ capacity = 100, opensInMs = 10 * MINUTE, admitPerMinute = null, checkoutCap = 50, passMinutes = 10, preQueueMinutes = 30 }: Setup = {}) {
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED" });
  const type = await createTicketType(race.id, { capacity });
  const opensAt = new Date(Date.now() + opensInMs);
  await saveQueueSettings({ raceId: race.id, actorId: organiser.id, settings: { enabled: true, opensAt, preQueueMinutes, admitPerMinute, passMinutes, checkoutCap } });
  return { race, type, organiser, opensAt };
}

async function buyers(n: number) {
  return Promise.all(Array.from({ length: n }, () => createUser()));
}

const entry = (raceId: string, userId: string) => db.queueEntry.findUniqueOrThrow({ where: { raceId_userId: { raceId, userId } } });
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

async function reserveAs(user: { id: string; email: string; name: string }, raceId: string, ticketTypeId: string, queuePass: string | null, now?: Date) {
  return reservePlaces({ raceId, buyer: { id: user.id, email: user.email, name: user.name }, lines: [{ ticketTypeId, quantity: 1 }], queuePass, now });
}

describe("joining and leaving", () => {
  it("refuses joining twice, a race without a queue, and before the pre-queue window, each with a 4xx", async () => {
    const { race } = await queuedRace({ opensInMs: 10 * MINUTE, preQueueMinutes: 5 });
    const [me] = await buyers(1);
    await expect(joinQueue({ raceId: race.id, userId: me!.id })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("The queue opens 5 minutes before") });
    const inWindow = new Date(Date.now() + 6 * MINUTE);
    await joinQueue({ raceId: race.id, userId: me!.id, now: inWindow });
    await expect(joinQueue({ raceId: race.id, userId: me!.id, now: inWindow })).rejects.toMatchObject({ status: 409, message: "You are already in this queue." });
    expect(await db.queueEntry.count({ where: { raceId: race.id } })).toBe(1);

    const { organisation } = await createOrganisation();
    const plain = await createRace(organisation.id, { status: "PUBLISHED" });
    await expect(joinQueue({ raceId: plain.id, userId: me!.id })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("has no queue") });
  });

  it("rate limits joining", async () => {
    const { race } = await queuedRace({ opensInMs: -MINUTE });
    const [me] = await buyers(1);
    await joinQueue({ raceId: race.id, userId: me!.id });
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => joinQueue({ raceId: race.id, userId: me!.id })));
    const statuses = attempts.map((a) => (a.status === "rejected" ? (a.reason as { status: number }).status : 200));
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  it("lets a person leave once; leaving twice or without an entry is a 4xx", async () => {
    const { race } = await queuedRace({ opensInMs: -MINUTE });
    const [me, stranger] = await buyers(2);
    await joinQueue({ raceId: race.id, userId: me!.id });
    await leaveQueue({ raceId: race.id, userId: me!.id });
    await expect(leaveQueue({ raceId: race.id, userId: me!.id })).rejects.toMatchObject({ status: 409, message: "You have already left this queue." });
    await expect(leaveQueue({ raceId: race.id, userId: stranger!.id })).rejects.toMatchObject({ status: 404 });
    expect((await entry(race.id, me!.id)).status).toBe("LEFT");
    expect((await db.raceQueue.findUniqueOrThrow({ where: { raceId: race.id } })).leftCount).toBe(1);
    await expect(joinQueue({ raceId: race.id, userId: me!.id })).rejects.toMatchObject({ status: 409 });
  });
});

describe("numbers: shuffled pre-queue, then FIFO", () => {
  it("numbers the pre-queue 1..k at opening and later arrivals after them in order", async () => {
    const { race, opensAt } = await queuedRace({ opensInMs: 2 * MINUTE });
    const early = await buyers(6);
    for (const user of early) await joinQueue({ raceId: race.id, userId: user.id });
    expect(await db.queueEntry.count({ where: { raceId: race.id, number: null } })).toBe(6);
    await runAdmissionTick(at(opensAt, 10));
    const numbers = (await db.queueEntry.findMany({ where: { raceId: race.id }, select: { number: true } })).map((e) => e.number!).sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6]);
    const late = await buyers(3);
    for (const [i, user] of late.entries()) await joinQueue({ raceId: race.id, userId: user.id, now: at(opensAt, 1_000 * (i + 1)) });
    expect(await Promise.all(late.map(async (u) => (await entry(race.id, u.id)).number))).toEqual([7, 8, 9]);
  });

  it("a join after opening numbers the pre-queue first, even before any tick", async () => {
    const { race, opensAt } = await queuedRace({ opensInMs: 2 * MINUTE });
    const early = await buyers(3);
    for (const user of early) await joinQueue({ raceId: race.id, userId: user.id });
    const [late] = await buyers(1);
    await joinQueue({ raceId: race.id, userId: late!.id, now: at(opensAt, 1) });
    expect((await entry(race.id, late!.id)).number).toBe(4);
    expect(await db.queueEntry.count({ where: { raceId: race.id, number: { lte: 3 } } })).toBe(3);
  });
});

describe("admission", () => {
  it("admits at the set rate per elapsed time and survives as state in the database", async () => {
    const { race, opensAt } = await queuedRace({ opensInMs: -MINUTE, admitPerMinute: 120 });
    for (const user of await buyers(8)) await joinQueue({ raceId: race.id, userId: user.id, now: opensAt });
    const t0 = at(opensAt, 5_000);
    await runAdmissionTick(t0); // first tick: one tick's worth (2)
    await runAdmissionTick(at(t0, 1_000)); // 2 more
    await runAdmissionTick(at(t0, 1_000)); // no time passed: none
    await runAdmissionTick(at(t0, 1_500)); // half a second: 1
    const queue = await db.raceQueue.findUniqueOrThrow({ where: { raceId: race.id } });
    expect(await db.queueEntry.count({ where: { raceId: race.id, status: "CALLED" } })).toBe(5);
    expect(queue).toMatchObject({ admittedCount: 5, servingUpTo: 5 });
    const called = await db.queueEntry.findMany({ where: { raceId: race.id, status: "CALLED" }, select: { number: true } });
    expect(called.map((e) => e.number).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("never admits more than places left minus unused passes, nor past the checkout cap; admitting too many changes nothing", async () => {
    const { race, type, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, capacity: 3, checkoutCap: 2 });
    const people = await buyers(5);
    for (const user of people) await joinQueue({ raceId: race.id, userId: user.id, now: opensAt });
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 3 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Only 2 can be admitted now") });
    expect(await db.queueEntry.count({ where: { raceId: race.id, status: "CALLED" } })).toBe(0);
    expect(await admitNext({ raceId: race.id, actorId: organiser.id, count: 2 })).toEqual({ admitted: 2 });
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 1 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Nobody can be admitted now") });

    // Two called of three places: the cap (2) is what stops a third. Raise the cap: only one place is left for passes.
    await saveQueueSettings({ raceId: race.id, actorId: organiser.id, settings: { enabled: true, opensAt, preQueueMinutes: 30, admitPerMinute: null, passMinutes: 10, checkoutCap: 10 } });
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 2 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Only 1 can be admitted now") });
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    // A buyer outside the queue takes nothing: places are only for passes.
    await expect(reserveAs(people[4]!, race.id, type.id, null)).rejects.toMatchObject({ status: 403 });
    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "queue.admitted" } });
    expect(audit.map((a) => a.changes)).toEqual([{ requested: 2, admitted: 2 }, { requested: 1, admitted: 1 }]);
  });

  it("expires an unused pass without giving the place in line back", async () => {
    const { race, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, passMinutes: 5 });
    const [first, second] = await buyers(2);
    await joinQueue({ raceId: race.id, userId: first!.id, now: opensAt });
    await joinQueue({ raceId: race.id, userId: second!.id, now: opensAt });
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    await runAdmissionTick(new Date(Date.now() + 6 * MINUTE));
    expect((await entry(race.id, first!.id)).status).toBe("EXPIRED");
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    expect((await entry(race.id, second!.id)).status).toBe("CALLED");
    expect((await entry(race.id, first!.id)).status).toBe("EXPIRED");
    expect(await db.raceQueue.findUniqueOrThrow({ where: { raceId: race.id } })).toMatchObject({ admittedCount: 2, leftCount: 1 });
  });

  it("tells everyone still waiting at once when the race sells out", async () => {
    const { race, type, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, capacity: 1 });
    const [winner, ...rest] = await buyers(4);
    for (const user of [winner!, ...rest]) await joinQueue({ raceId: race.id, userId: user.id, now: opensAt });
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    await reserveAs(winner!, race.id, type.id, (await entry(race.id, winner!.id)).passToken);
    await db.ticketType.update({ where: { id: type.id }, data: { heldCount: 0, soldCount: 1 } });
    await runAdmissionTick();
    expect(await db.queueEntry.count({ where: { raceId: race.id, status: "SOLD_OUT" } })).toBe(3);
    expect((await db.raceQueue.findUniqueOrThrow({ where: { raceId: race.id } })).soldOutAt).not.toBeNull();
    await expect(joinQueue({ raceId: race.id, userId: (await buyers(1))[0]!.id })).rejects.toMatchObject({ status: 409, message: "This race is sold out." });
  });
});

describe("organiser controls", () => {
  it("refuses zero or negative rates and counts, and audits pause, resume and rate changes", async () => {
    const { race, organiser } = await queuedRace({ opensInMs: -MINUTE, admitPerMinute: 30 });
    for (const bad of [0, -5, 1.5]) {
      await expect(setAdmissionRate({ raceId: race.id, actorId: organiser.id, perMinute: bad })).rejects.toMatchObject({ status: 400 });
      await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: bad })).rejects.toMatchObject({ status: 400 });
    }
    expect((await db.raceQueue.findUniqueOrThrow({ where: { raceId: race.id } })).admitPerMinute).toBe(30);
    await pauseQueue({ raceId: race.id, actorId: organiser.id });
    await expect(pauseQueue({ raceId: race.id, actorId: organiser.id })).rejects.toMatchObject({ status: 409 });
    await resumeQueue({ raceId: race.id, actorId: organiser.id });
    await setAdmissionRate({ raceId: race.id, actorId: organiser.id, perMinute: 90 });
    const actions = await db.auditEntry.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" }, select: { action: true, actorId: true, changes: true } });
    expect(actions.map((a) => a.action)).toEqual(["queue.created", "queue.paused", "queue.resumed", "queue.rate_changed"]);
    expect(actions.every((a) => a.actorId === organiser.id)).toBe(true);
    expect(actions[3]!.changes).toEqual({ admitPerMinute: { from: 30, to: 90 } });
  });

  it("does not admit by rate while paused", async () => {
    const { race, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, admitPerMinute: 600 });
    for (const user of await buyers(3)) await joinQueue({ raceId: race.id, userId: user.id, now: opensAt });
    await pauseQueue({ raceId: race.id, actorId: organiser.id });
    await runAdmissionTick();
    expect(await db.queueEntry.count({ where: { raceId: race.id, status: "CALLED" } })).toBe(0);
  });
});

describe("reservations need a checkout pass while the queue is on", () => {
  it("refuses no pass, a forged pass, another user's pass and an expired pass; takes a valid one", async () => {
    const { race, type, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, passMinutes: 5 });
    const [me, other] = await buyers(2);
    await joinQueue({ raceId: race.id, userId: me!.id, now: opensAt });
    await joinQueue({ raceId: race.id, userId: other!.id, now: opensAt });
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 2 });
    const mine = (await entry(race.id, me!.id)).passToken!;
    const theirs = (await entry(race.id, other!.id)).passToken!;
    const queueLink = { status: 403, href: `/races/${race.slug}/queue` };

    await expect(reserveAs(me!, race.id, type.id, null)).rejects.toMatchObject({ ...queueLink, message: expect.stringContaining("join the queue") });
    await expect(reserveAs(me!, race.id, type.id, "forged-pass-token")).rejects.toMatchObject({ ...queueLink, message: expect.stringContaining("not valid for your account") });
    await expect(reserveAs(me!, race.id, type.id, theirs)).rejects.toMatchObject({ ...queueLink, message: expect.stringContaining("not valid for your account") });
    await expect(reserveAs(me!, race.id, type.id, mine, new Date(Date.now() + 6 * MINUTE))).rejects.toMatchObject({ ...queueLink, message: "Your checkout pass has expired, so your turn has passed." });
    expect(await db.order.count({ where: { raceId: race.id } })).toBe(0);
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).heldCount).toBe(0);

    const order = await reserveAs(me!, race.id, type.id, mine);
    expect(await entry(race.id, me!.id)).toMatchObject({ status: "IN_CHECKOUT", orderId: order.id });
  });

  it("refuses a pass of another race", async () => {
    const first = await queuedRace({ opensInMs: -MINUTE });
    const second = await queuedRace({ opensInMs: -MINUTE });
    const [me] = await buyers(1);
    await joinQueue({ raceId: first.race.id, userId: me!.id, now: first.opensAt });
    await joinQueue({ raceId: second.race.id, userId: me!.id, now: second.opensAt });
    await admitNext({ raceId: first.race.id, actorId: first.organiser.id, count: 1 });
    const pass = (await entry(first.race.id, me!.id)).passToken!;
    await expect(reserveAs(me!, second.race.id, second.type.id, pass)).rejects.toMatchObject({ status: 403 });
  });

  it("marks the entry registered once its order is paid", async () => {
    const { race, type, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE });
    const [me] = await buyers(1);
    await joinQueue({ raceId: race.id, userId: me!.id, now: opensAt });
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    const order = await reserveAs(me!, race.id, type.id, (await entry(race.id, me!.id)).passToken);
    await db.order.update({ where: { id: order.id }, data: { status: "PAID", paidAt: new Date() } });
    await runAdmissionTick();
    expect((await entry(race.id, me!.id)).status).toBe("REGISTERED");
  });
});

describe("a room queues as one unit", () => {
  it("admits the owner's entry for every member, counts them against the caps, and lets the room's hold take their places", async () => {
    const { race, type, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, capacity: 10, checkoutCap: 3 });
    const [owner, early, late, solo] = await buyers(4);
    const room = await createRoom({ raceId: race.id, ownerId: owner!.id, input: { name: "Harbour Harriers", teamName: null, maxMembers: 6, visibility: "PUBLIC" } });
    await joinRoom({ userId: early!.id, roomId: room.id });
    await joinQueue({ raceId: race.id, userId: owner!.id, now: opensAt });
    await joinQueue({ raceId: race.id, userId: solo!.id, now: opensAt });
    expect(await entry(race.id, owner!.id)).toMatchObject({ roomId: room.id, number: 1 });

    // The owner's place covers the members: one of them joining the queue on their own is refused, nothing written.
    await expect(joinQueue({ raceId: race.id, userId: early!.id, now: opensAt })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("queues as one") });
    expect(await db.queueEntry.count({ where: { raceId: race.id } })).toBe(2);

    // A member who joins the room while it waits is counted at admission: three places of the cap of three.
    await joinRoom({ userId: late!.id, roomId: room.id });
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 2 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Only 1 can be admitted now") });
    expect(await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 })).toEqual({ admitted: 1 });
    const called = await entry(race.id, owner!.id);
    expect(called).toMatchObject({ status: "CALLED", places: 3 });
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 1 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Nobody can be admitted now") });
    expect((await entry(race.id, solo!.id)).status).toBe("WAITING");

    // The room's pass holds at most its three places, all going with the room for the members to sign later.
    const hold = (quantity: number) => reservePlaces({ raceId: race.id, buyer: owner!, lines: [{ ticketTypeId: type.id, quantity }], queuePass: called.passToken });
    await expect(hold(4)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("covers 3 places") });
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: type.id } })).heldCount).toBe(0);
    const order = await hold(3);
    expect(await entry(race.id, owner!.id)).toMatchObject({ status: "IN_CHECKOUT", orderId: order.id });
    const tickets = await db.ticket.findMany({ where: { orderId: order.id }, select: { roomId: true } });
    expect(tickets).toEqual([{ roomId: room.id }, { roomId: room.id }, { roomId: room.id }]);
    // In checkout, the room still takes its three places of the cap.
    await expect(admitNext({ raceId: race.id, actorId: organiser.id, count: 1 })).rejects.toMatchObject({ status: 409 });
  });

  it("does not let a room larger than the checkout cap block the line", async () => {
    const { race, organiser, opensAt } = await queuedRace({ opensInMs: -MINUTE, capacity: 10, checkoutCap: 2 });
    const [owner, a, b] = await buyers(3);
    const room = await createRoom({ raceId: race.id, ownerId: owner!.id, input: { name: "Big Club", teamName: null, maxMembers: 6, visibility: "PUBLIC" } });
    for (const member of [a!, b!]) await joinRoom({ userId: member.id, roomId: room.id });
    await joinQueue({ raceId: race.id, userId: owner!.id, now: opensAt });
    expect(await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 })).toEqual({ admitted: 1 });
    expect(await entry(race.id, owner!.id)).toMatchObject({ status: "CALLED", places: 3 });
  });
});
