import { randomBytes, randomInt } from "node:crypto";
import { Prisma, type QueueEntryStatus, type RaceQueue } from "@prisma/client";
import { DomainError, type DomainErrorKind } from "~/lib/errors";
import { accruedCredit, admissible, ADMISSION_TICK_MS, queuePath, shuffled } from "~/lib/queue-rules";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import { createLogger } from "~/utils/logger.server";
import { diff, recordAudit } from "./audit.server";
import { enforce } from "./rate-limit.server";

const log = createLogger({ service: "queue" });

/** Something about the queue the user or organiser cannot do now; `href` points where to sort it out. */
export class QueueError extends DomainError {
  constructor(kind: DomainErrorKind, message: string, href?: string) {
    super(kind, message, { field: "form", href });
    this.name = "QueueError";
  }
}

const JOIN_LIMIT = { limit: 10, windowSeconds: 60 };
const TX = { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 30_000 };

/** Tells every open queue page and console of the race to read the frame again. */
export async function announceQueue(raceId: string) {
  await publish(channels.raceQueue(raceId), { type: "queue.changed", at: new Date().toISOString() });
}

async function lockQueue(tx: Db, raceId: string) {
  const rows = await tx.$queryRaw<RaceQueue[]>`SELECT * FROM "RaceQueue" WHERE "raceId" = ${raceId} FOR UPDATE`;
  return rows[0];
}

/**
 * Once the queue has opened, gives the pre-queue its numbers 1..k in a uniform random order (ADR 0050); later
 * joins then take the next number. Runs under the queue's row lock, so the draw happens exactly once.
 */
async function numberPreQueue(tx: Db, queue: RaceQueue, now: Date) {
  if (now < queue.opensAt) return queue;
  const waiting = await tx.queueEntry.findMany({ where: { raceId: queue.raceId, number: null, status: "WAITING" }, select: { id: true }, orderBy: { joinedAt: "asc" } });
  if (queue.shuffledAt && waiting.length === 0) return queue;
  // A pre-queue join that committed just after the draw is numbered at the back, in arrival order.
  const ids = queue.shuffledAt ? waiting.map((entry) => entry.id) : shuffled(waiting.map((entry) => entry.id), (n) => randomInt(n));
  if (ids.length) {
    await tx.$executeRaw`
      UPDATE "QueueEntry" AS q SET number = v.n
      FROM unnest(${ids}::text[], ${ids.map((_, i) => queue.lastNumber + i + 1)}::int[]) AS v(id, n) WHERE q.id = v.id`;
  }
  const numbered = { ...queue, shuffledAt: queue.shuffledAt ?? now, lastNumber: queue.lastNumber + ids.length };
  await tx.raceQueue.update({ where: { raceId: queue.raceId }, data: { shuffledAt: numbered.shuffledAt, lastNumber: numbered.lastNumber } });
  return numbered;
}

/**
 * Joins the signed-in user to a race's queue: one entry per account and race (the database refuses a second).
 * In the pre-queue window the entry waits for the shuffle at opening; after opening it takes the next number.
 */
export async function joinQueue({ raceId, userId, now = new Date() }: { raceId: string; userId: string; now?: Date }) {
  await enforce(`queue-join:${userId}`, JOIN_LIMIT, (wait) => `Too many attempts to join the queue. Try again in ${wait}.`);
  const [race, queue, existing] = await Promise.all([
    db.race.findUnique({ where: { id: raceId }, select: { slug: true, status: true } }),
    db.raceQueue.findUnique({ where: { raceId } }),
    db.queueEntry.findUnique({ where: { raceId_userId: { raceId, userId } }, select: { status: true } }),
  ]);
  if (!race || race.status !== "PUBLISHED") throw new QueueError("not_found", "This race is not open for registration.");
  if (!queue?.enabled) throw new QueueError("conflict", "This race has no queue: register on the race page.", `/races/${race.slug}`);
  if (existing) {
    const again = existing.status === "LEFT" || existing.status === "EXPIRED" ? "You already had your place in this queue and cannot join again." : "You are already in this queue.";
    throw new QueueError("conflict", again, queuePath(race.slug));
  }
  if (queue.soldOutAt) throw new QueueError("conflict", "This race is sold out.", `/races/${race.slug}`);
  const roomId = await queueingRoom(raceId, userId, queuePath(race.slug));
  const windowOpens = new Date(queue.opensAt.getTime() - queue.preQueueMinutes * 60_000);
  if (now < windowOpens) throw new QueueError("conflict", `The queue opens ${queue.preQueueMinutes} minutes before registration opens, at ${windowOpens.toISOString()}.`);
  try {
    if (now < queue.opensAt) {
      await db.queueEntry.create({ data: { raceId, userId, roomId, joinedAt: now } });
    } else {
      let number = await takeNextNumber(raceId);
      if (number === null) {
        await db.$transaction(async (tx) => void (await numberPreQueue(tx, (await lockQueue(tx, raceId))!, now)), TX);
        number = await takeNextNumber(raceId);
      }
      // A number taken by a join that then fails (joined twice at once) stays unused: admission skips gaps.
      await db.queueEntry.create({ data: { raceId, userId, roomId, joinedAt: now, number } });
    }
  } catch (error) {
    if (isUniqueViolation(error)) throw new QueueError("conflict", "You are already in this queue.", queuePath(race.slug));
    throw error;
  }
  return { slug: race.slug };
}

/** Entries that still hold or wait for a turn. */
const LIVE: QueueEntryStatus[] = ["WAITING", "CALLED", "IN_CHECKOUT"];

/**
 * A room queues as one unit (ADR 0071): the owner of an open room joins for the whole room; a member of a room whose
 * owner already holds the room's place is refused (that place covers them). Anyone else queues alone.
 */
async function queueingRoom(raceId: string, userId: string, queueLink: string) {
  const membership = await db.roomMember.findFirst({
    where: { raceId, userId, leftAt: null, room: { status: "OPEN" } },
    select: { room: { select: { id: true, ownerId: true, name: true } } },
  });
  const room = membership?.room;
  if (!room) return null;
  if (room.ownerId === userId) return room.id;
  const ownersEntry = await db.queueEntry.findFirst({ where: { raceId, roomId: room.id, status: { in: LIVE } }, select: { id: true } });
  if (ownersEntry) throw new QueueError("conflict", `Your room “${room.name}” queues as one: its owner's place in line covers you, and they register the room's places together.`, queueLink);
  return null;
}

/**
 * The places a room entry's admission counts: the room's active members (the owner among them) who do not hold a
 * live queue entry of their own. Read at admission, so members who joined the room while it waited are counted.
 */
async function roomPlaces(tx: Db, raceId: string, entry: { id: string; roomId: string | null }) {
  if (!entry.roomId) return 1;
  const members = await tx.roomMember.findMany({ where: { roomId: entry.roomId, leftAt: null }, select: { userId: true } });
  const queuedAlone = await tx.queueEntry.count({ where: { raceId, id: { not: entry.id }, userId: { in: members.map((m) => m.userId) }, status: { in: LIVE } } });
  return Math.max(1, members.length - queuedAlone);
}

/** The next number after opening, in one statement (the row is locked only for it); null before the draw. */
async function takeNextNumber(raceId: string) {
  const rows = await db.$queryRaw<{ lastNumber: number }[]>`
    UPDATE "RaceQueue" SET "lastNumber" = "lastNumber" + 1 WHERE "raceId" = ${raceId} AND "shuffledAt" IS NOT NULL RETURNING "lastNumber"`;
  return rows[0]?.lastNumber ?? null;
}

/** Leaves the queue for good (waiting or called): the place is not kept. Leaving twice is refused. */
export async function leaveQueue({ raceId, userId, now = new Date() }: { raceId: string; userId: string; now?: Date }) {
  const left = await db.$transaction(async (tx) => {
    const { count } = await tx.queueEntry.updateMany({
      where: { raceId, userId, status: { in: ["WAITING", "CALLED"] } },
      data: { status: "LEFT", endedAt: now },
    });
    if (count) await tx.raceQueue.update({ where: { raceId }, data: { leftCount: { increment: 1 } } });
    return count;
  }, TX);
  if (!left) {
    const entry = await db.queueEntry.findUnique({ where: { raceId_userId: { raceId, userId } }, select: { status: true } });
    if (!entry) throw new QueueError("not_found", "You are not in this queue.");
    throw new QueueError("conflict", entry.status === "LEFT" ? "You have already left this queue." : "Your place in this queue has already ended.");
  }
  await announceQueue(raceId);
}

type PlacesRow = { unsold: bigint | null; left: bigint | null };

/**
 * One admission step for one race under its queue row lock (ADR 0050): number the pre-queue at opening, expire
 * unused passes (the place is not given back), mark paid checkouts registered, then call the lowest waiting
 * numbers — never more than places left minus passes not yet used, never past the in-checkout cap. `byHand`
 * is the organiser's "admit next N": asking for more than may be admitted changes nothing and says why.
 */
async function admitInTransaction(tx: Db, raceId: string, now: Date, byHand?: number) {
  const locked = await lockQueue(tx, raceId);
  if (!locked?.enabled) {
    if (byHand !== undefined) throw new QueueError("conflict", "The queue is off for this race.");
    return { admitted: 0, changed: false };
  }
  const queue = await numberPreQueue(tx, locked, now);
  let changed = queue !== locked;
  const expired = await tx.queueEntry.updateMany({
    where: { raceId, status: "CALLED", passExpiresAt: { lte: now } },
    data: { status: "EXPIRED", endedAt: now },
  });
  const registered = await tx.$executeRaw`
    UPDATE "QueueEntry" AS q SET status = 'REGISTERED', "endedAt" = ${now}
    FROM "Order" AS o WHERE q."raceId" = ${raceId} AND q.status = 'IN_CHECKOUT' AND o.id = q."orderId" AND o.status = 'PAID'`;
  const abandoned = await tx.$executeRaw`
    UPDATE "QueueEntry" AS q SET status = 'EXPIRED', "endedAt" = ${now}
    FROM "Order" AS o WHERE q."raceId" = ${raceId} AND q.status = 'IN_CHECKOUT' AND o.id = q."orderId"
      AND o.status IN ('EXPIRED', 'CANCELLED') AND q."passExpiresAt" <= ${now}`;
  const ended = expired.count + abandoned;
  changed ||= ended > 0 || registered > 0;

  const [places] = await tx.$queryRaw<PlacesRow[]>`
    SELECT SUM(GREATEST(capacity - "soldCount", 0)) AS unsold, SUM(GREATEST(capacity - "soldCount" - "heldCount", 0)) AS left
    FROM "TicketType" WHERE "raceId" = ${raceId} AND "archivedAt" IS NULL`;
  const unsold = Number(places?.unsold ?? 0);
  const placesLeft = Number(places?.left ?? 0);
  if (unsold <= 0 && !queue.soldOutAt && queue.shuffledAt) {
    if (byHand !== undefined) throw new QueueError("conflict", "Every place is sold: nobody can be admitted.");
    const told = await tx.queueEntry.updateMany({ where: { raceId, status: "WAITING" }, data: { status: "SOLD_OUT", endedAt: now } });
    await tx.raceQueue.update({ where: { raceId }, data: { soldOutAt: now, leftCount: { increment: ended }, lastTickAt: now } });
    return { admitted: 0, changed: true, soldOut: told.count };
  }

  // Places, not people: a room's entry counts every member it admits (ADR 0071); anyone else counts one.
  const [calledPlaces, inCheckoutPlaces] = await Promise.all([
    tx.queueEntry.aggregate({ where: { raceId, status: "CALLED" }, _sum: { places: true } }).then((sum) => sum._sum.places ?? 0),
    tx.queueEntry.aggregate({ where: { raceId, status: "IN_CHECKOUT" }, _sum: { places: true } }).then((sum) => sum._sum.places ?? 0),
  ]);
  const byRate = queue.admitPerMinute !== null && !queue.paused && queue.shuffledAt !== null && !queue.soldOutAt;
  const credit = byRate ? accruedCredit(queue.admitCredit, queue.admitPerMinute!, queue.lastTickAt ? now.getTime() - queue.lastTickAt.getTime() : ADMISSION_TICK_MS, ADMISSION_TICK_MS) : 0;
  const limits = { placesLeft, passesUnused: calledPlaces, checkoutCap: queue.checkoutCap, inCheckout: calledPlaces + inCheckoutPlaces };
  const budget = admissible({ ...limits, wanted: Number.MAX_SAFE_INTEGER });
  // The rate and "admit next N" count entries (a room is one unit in line); the budget counts their places.
  const wanted = byHand ?? Math.floor(credit);
  const candidates = wanted > 0
    ? await tx.queueEntry.findMany({ where: { raceId, status: "WAITING", number: { not: null } }, orderBy: { number: "asc" }, take: wanted, select: { id: true, number: true, roomId: true } })
    : [];
  const next: { id: string; number: number | null; places: number }[] = [];
  let used = 0;
  for (const candidate of candidates) {
    const places = await roomPlaces(tx, raceId, candidate);
    // In line order: a room that does not fit yet waits, and nobody behind it goes first. A room larger than the
    // checkout cap goes alone once nobody else is in checkout, so it cannot block the line for ever.
    const alone = used === 0 && limits.inCheckout === 0 && places <= placesLeft;
    if (used + places > budget && !alone) break;
    next.push({ ...candidate, places });
    used += places;
  }
  if (byHand !== undefined && next.length < candidates.length) {
    const why = next.length === 0 ? "Nobody can be admitted now" : `Only ${next.length} can be admitted now`;
    const room = candidates[next.length]?.roomId ? " (the next in line is a room, admitted with all its members)" : "";
    throw new QueueError("conflict", `${why}${room}: ${placesLeft - calledPlaces} places are free after the passes already given, and ${Math.max(0, queue.checkoutCap - limits.inCheckout)} of ${queue.checkoutCap} checkout slots are open.`);
  }
  const passExpiresAt = new Date(now.getTime() + queue.passMinutes * 60_000);
  for (const entry of next) {
    await tx.queueEntry.update({ where: { id: entry.id }, data: { status: "CALLED", calledAt: now, passExpiresAt, places: entry.places, passToken: randomBytes(18).toString("base64url") } });
  }
  const servingUpTo = Math.max(queue.servingUpTo, ...next.map((entry) => entry.number!));
  await tx.raceQueue.update({
    where: { raceId },
    data: {
      servingUpTo,
      admittedCount: { increment: next.length },
      leftCount: { increment: ended },
      admitCredit: byRate && byHand === undefined ? Math.max(0, credit - next.length) : queue.admitCredit,
      lastTickAt: now,
    },
  });
  return { admitted: next.length, changed: changed || next.length > 0 };
}

/**
 * The worker's repeatable admission tick: one step for every queue that is on. Publishes one message per
 * race per tick (the feeds turn it into one frame; an unchanged frame is not sent to anyone).
 */
export async function runAdmissionTick(now = new Date()) {
  const queues = await db.raceQueue.findMany({ where: { enabled: true, soldOutAt: null }, select: { raceId: true, opensAt: true, preQueueMinutes: true } });
  let admitted = 0;
  for (const { raceId, opensAt, preQueueMinutes } of queues) {
    if (now.getTime() < opensAt.getTime() - preQueueMinutes * 60_000) continue;
    try {
      const step = await db.$transaction((tx) => admitInTransaction(tx, raceId, now), TX);
      admitted += step.admitted;
      await announceQueue(raceId);
    } catch (error) {
      log.warn("admission step failed; the next tick tries again", { raceId, error });
    }
  }
  // Counts what changed only: a tick that admitted nobody is logged quietly (worker/worker.ts).
  return { admitted };
}

type Actor = { raceId: string; actorId: string };

async function organiserChange(raceId: string, actorId: string, action: string, change: (tx: Db, queue: RaceQueue) => Promise<Prisma.InputJsonValue>) {
  await db.$transaction(async (tx) => {
    const queue = await lockQueue(tx, raceId);
    if (!queue) throw new QueueError("conflict", "Set up the queue first.");
    const race = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { organisationId: true } });
    const changes = await change(tx, queue);
    await recordAudit(tx, { organisationId: race.organisationId, raceId, actorId, action, entityType: "race_queue", entityId: raceId, changes });
  }, TX);
  await announceQueue(raceId);
}

function positiveWhole(value: number, what: string) {
  if (!Number.isInteger(value) || value < 1) throw new DomainError("invalid", `${what} must be a whole number of at least 1.`, { field: "form" });
}

/** The organiser's "admit next N": calls the next N now, within places and the checkout cap, audited. */
export async function admitNext({ raceId, actorId, count, now = new Date() }: Actor & { count: number; now?: Date }) {
  positiveWhole(count, "The number to admit");
  let admitted = 0;
  await organiserChange(raceId, actorId, "queue.admitted", async (tx) => {
    admitted = (await admitInTransaction(tx, raceId, now, count)).admitted;
    return { requested: count, admitted };
  });
  return { admitted };
}

export async function pauseQueue({ raceId, actorId }: Actor) {
  await organiserChange(raceId, actorId, "queue.paused", async (tx, queue) => {
    if (queue.paused) throw new QueueError("conflict", "The queue is already paused.");
    await tx.raceQueue.update({ where: { raceId }, data: { paused: true } });
    return { paused: { from: false, to: true } };
  });
}

export async function resumeQueue({ raceId, actorId, now = new Date() }: Actor & { now?: Date }) {
  await organiserChange(raceId, actorId, "queue.resumed", async (tx, queue) => {
    if (!queue.paused) throw new QueueError("conflict", "The queue is not paused.");
    // The pause earns no credit: the rate starts again from now.
    await tx.raceQueue.update({ where: { raceId }, data: { paused: false, lastTickAt: now, admitCredit: 0 } });
    return { paused: { from: true, to: false } };
  });
}

/** `perMinute` null = admit by hand only. */
export async function setAdmissionRate({ raceId, actorId, perMinute }: Actor & { perMinute: number | null }) {
  if (perMinute !== null) positiveWhole(perMinute, "The admission rate");
  await organiserChange(raceId, actorId, "queue.rate_changed", async (tx, queue) => {
    await tx.raceQueue.update({ where: { raceId }, data: { admitPerMinute: perMinute } });
    return diff({ admitPerMinute: queue.admitPerMinute }, { admitPerMinute: perMinute });
  });
}

export type QueueSettingsInput = {
  enabled: boolean;
  opensAt: Date;
  preQueueMinutes: number;
  admitPerMinute: number | null;
  passMinutes: number;
  checkoutCap: number;
};

/** Creates or changes a race's queue settings (validated by the form's schema), audited. */
export async function saveQueueSettings({ raceId, actorId, settings }: Actor & { settings: QueueSettingsInput }) {
  await db.$transaction(async (tx) => {
    const race = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { organisationId: true } });
    const before = await lockQueue(tx, raceId);
    if (before?.shuffledAt && settings.opensAt.getTime() !== before.opensAt.getTime()) {
      throw new DomainError("invalid", "The queue has opened: its opening time can no longer change.", { field: "opensAt" });
    }
    await tx.raceQueue.upsert({ where: { raceId }, create: { raceId, ...settings }, update: settings });
    const changes = diff(before ? pick(before) : {}, pick(settings));
    await recordAudit(tx, { organisationId: race.organisationId, raceId, actorId, action: before ? "queue.settings_changed" : "queue.created", entityType: "race_queue", entityId: raceId, changes });
  }, TX);
  await announceQueue(raceId);
}

function pick(settings: QueueSettingsInput) {
  const { enabled, opensAt, preQueueMinutes, admitPerMinute, passMinutes, checkoutCap } = settings;
  return { enabled, opensAt, preQueueMinutes, admitPerMinute, passMinutes, checkoutCap };
}

/**
 * While a race's queue is on, a reservation needs the buyer's own unexpired checkout pass for this race
 * (ADR 0050). Called inside the reservation's transaction: it takes the pass (the entry moves to in
 * checkout, bound to the order) or refuses with a link to the queue, and the whole reservation rolls back.
 */
export async function usePassForOrder(tx: Db, { raceId, userId, passToken, orderId, now, queueLink }: { raceId: string; userId: string; passToken: string | null | undefined; orderId: string; now: Date; queueLink: string }) {
  const refuse = (message: string) => {
    throw new QueueError("forbidden", message, queueLink);
  };
  if (!passToken) refuse("This race admits buyers through its queue: join the queue and register when it is your turn.");
  const { count } = await tx.queueEntry.updateMany({
    where: { raceId, userId, passToken: passToken!, status: { in: ["CALLED", "IN_CHECKOUT"] }, passExpiresAt: { gt: now } },
    data: { status: "IN_CHECKOUT", orderId },
  });
  if (count === 1) return checkRoomHold(tx, { raceId, userId, orderId });
  const entry = await tx.queueEntry.findUnique({ where: { raceId_userId: { raceId, userId } }, select: { passToken: true, passExpiresAt: true, status: true } });
  if (entry && entry.passToken === passToken && (entry.status === "EXPIRED" || (entry.passExpiresAt && entry.passExpiresAt <= now))) {
    refuse("Your checkout pass has expired, so your turn has passed.");
  }
  refuse("This checkout pass is not valid for your account and this race. Join the queue and register when it is your turn.");
}

/**
 * A room's pass (ADR 0071) covers the places its admission counted: the owner's hold, whose tickets go with the room
 * and are handed to members who fill in and sign later, may not take more than that.
 */
async function checkRoomHold(tx: Db, { raceId, userId, orderId }: { raceId: string; userId: string; orderId: string }) {
  const entry = await tx.queueEntry.findUnique({ where: { raceId_userId: { raceId, userId } }, select: { roomId: true, places: true } });
  if (!entry?.roomId) return;
  const tickets = await tx.ticket.count({ where: { orderId } });
  if (tickets > entry.places) {
    throw new QueueError("conflict", `Your room's turn covers ${entry.places} ${entry.places === 1 ? "place" : "places"}, one for each member when it was admitted: choose at most ${entry.places}.`);
  }
}
