import { DomainError, type DomainErrorKind } from "~/lib/errors";
import { CLAIM_WINDOW_HOURS } from "~/lib/waitlist-rules";
import { db, isUniqueViolation } from "~/utils/db.server";
import { diff, recordAudit } from "./audit.server";
import { expireSessionLater } from "./checkout-sessions.server";
import { releaseHeldPlaces } from "./hold-releases.server";
import { announceSale } from "./race-stats.server";
import { enforce } from "./rate-limit.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";
import { holdsOtherOrder, makeOffer, offerFreedPlacesSoon, onSale, raceForOfferSelect, settleOffers, tellOffers, WAITLIST_TX } from "./waitlist-offers.server";

/** Something about a waiting list the buyer or organiser cannot do now; shown with the form they used. */
export class WaitlistError extends DomainError {
  constructor(kind: DomainErrorKind, message: string, href?: string) {
    super(kind, message, { field: "form", href });
    this.name = "WaitlistError";
  }
}

const JOIN_LIMIT = { limit: 10, windowSeconds: 60 };

type Target = { raceId: string; ticketTypeId: string; userId: string; now?: Date };

async function ticketTypeOf(raceId: string, ticketTypeId: string) {
  const type = await db.ticketType.findUnique({
    where: { id: ticketTypeId },
    select: { raceId: true, name: true, capacity: true, soldCount: true, heldCount: true, archivedAt: true, race: { select: { status: true, slug: true } } },
  });
  if (!type || type.raceId !== raceId) throw new WaitlistError("not_found", "This ticket type is not offered in this race.");
  return type;
}

/**
 * Puts the buyer on a sold-out ticket type's waiting list (one entry per account and type, enforced by a unique
 * index). Someone who left, or let an offer run out, may join again at the back.
 */
export async function joinWaitlist({ raceId, ticketTypeId, userId, now = new Date() }: Target) {
  await enforce(`waitlist-join:${userId}`, JOIN_LIMIT, (wait) => `Too many attempts to join a waiting list. Try again in ${wait}.`);
  const type = await ticketTypeOf(raceId, ticketTypeId);
  const racePage = `/races/${type.race.slug}`;
  if (type.race.status !== "PUBLISHED") throw new WaitlistError("conflict", "This race is not taking registrations.");
  if (type.archivedAt) throw new WaitlistError("conflict", `${type.name} is no longer offered.`);
  if (type.capacity - type.soldCount - type.heldCount > 0) throw new WaitlistError("conflict", `${type.name} has places left: register on the race page.`, racePage);
  const existing = await db.waitlistEntry.findUnique({ where: { ticketTypeId_userId: { ticketTypeId, userId } }, select: { id: true, status: true } });
  if (existing?.status === "PURCHASED") throw new WaitlistError("conflict", `You already have a ${type.name} place from this waiting list.`, racePage);
  if (existing && existing.status !== "LEFT" && existing.status !== "EXPIRED") throw new WaitlistError("conflict", `You are already on the ${type.name} waiting list.`, racePage);
  try {
    if (existing) {
      const { count } = await db.waitlistEntry.updateMany({
        where: { id: existing.id, status: { in: ["LEFT", "EXPIRED"] } },
        data: { status: "WAITING", joinedAt: now, offeredAt: null, offerExpiresAt: null, offeredById: null, orderId: null, endedAt: null },
      });
      if (count === 0) throw new WaitlistError("conflict", `You are already on the ${type.name} waiting list.`, racePage);
    } else {
      await db.waitlistEntry.create({ data: { raceId, ticketTypeId, userId, joinedAt: now } });
    }
  } catch (error) {
    if (isUniqueViolation(error)) throw new WaitlistError("conflict", `You are already on the ${type.name} waiting list.`, racePage);
    throw error;
  }
  // A place may have freed between the sold-out look and the join: it goes to whoever waits longest.
  await offerFreedPlacesSoon(raceId);
}

/** Leaves the waiting list; an offer held for the buyer is given up and passes to the next person at once. */
export async function leaveWaitlist({ raceId, ticketTypeId, userId, now = new Date() }: Target) {
  const released = await db.$transaction(async (tx) => {
    const entry = await tx.waitlistEntry.findUnique({ where: { ticketTypeId_userId: { ticketTypeId, userId } }, select: { id: true, raceId: true, status: true, orderId: true } });
    if (!entry || entry.raceId !== raceId) throw new WaitlistError("not_found", "You are not on this waiting list.");
    if (entry.status === "LEFT") throw new WaitlistError("conflict", "You have already left this waiting list.");
    if (entry.status === "PURCHASED" || entry.status === "EXPIRED") throw new WaitlistError("conflict", "Your place on this waiting list has already ended.");
    let freed: false | { sessionId: string | null } = false;
    if (entry.orderId && (entry.status === "OFFERED" || entry.status === "CLAIMED")) {
      await lockTicketTypes(tx, [ticketTypeId]);
      freed = await releaseHeldPlaces(tx, entry.orderId, "CANCELLED");
    }
    const { count } = await tx.waitlistEntry.updateMany({ where: { id: entry.id, status: entry.status }, data: { status: "LEFT", endedAt: now } });
    if (count === 0) throw new WaitlistError("conflict", "Your waiting-list place changed meanwhile. Reload the page and try again.");
    return freed;
  }, WAITLIST_TX);
  if (released) {
    if (released.sessionId) await expireSessionLater(released.sessionId);
    await announceSale(raceId);
    await offerFreedPlacesSoon(raceId);
  }
}

/**
 * Takes a held offer to checkout: returns the order holding the place (the claim window stays its deadline).
 * Claiming again while it is open goes back to the same checkout.
 */
export async function claimOffer({ raceId, ticketTypeId, userId, now = new Date() }: Target) {
  const entry = await db.waitlistEntry.findUnique({
    where: { ticketTypeId_userId: { ticketTypeId, userId } },
    select: { id: true, raceId: true, status: true, order: { select: { id: true, status: true, holdExpiresAt: true } } },
  });
  if (!entry || entry.raceId !== raceId) throw new WaitlistError("not_found", "You are not on this waiting list.");
  if (entry.status === "WAITING") throw new WaitlistError("conflict", "No place has been offered to you yet: we email you as soon as one frees up.");
  if (entry.status === "PURCHASED") throw new WaitlistError("conflict", "You have already bought this place.", entry.order ? `/orders/${entry.order.id}` : undefined);
  if (entry.status === "LEFT") throw new WaitlistError("conflict", "You left this waiting list.");
  const order = entry.order;
  const open = order && order.status === "PENDING" && order.holdExpiresAt && order.holdExpiresAt > now;
  if (entry.status === "EXPIRED" || !open) {
    await settleOffers(db, now, ticketTypeId);
    throw new WaitlistError("conflict", "This offer has run out and passed to the next person on the waiting list.");
  }
  await db.waitlistEntry.updateMany({ where: { id: entry.id, status: { in: ["OFFERED", "CLAIMED"] } }, data: { status: "CLAIMED" } });
  return { orderId: order.id };
}

/**
 * The organiser offers a place to one waiting person, out of turn if they choose. With no place free, `addPlace`
 * raises the ticket type's capacity by one for them (otherwise a 409 says so); audited with what changed.
 */
export async function offerByHand({ raceId, actorId, entryId, addPlace, now = new Date() }: { raceId: string; actorId: string; entryId: string; addPlace: boolean; now?: Date }) {
  const offer = await db.$transaction(async (tx) => {
    const entry = await tx.waitlistEntry.findUnique({ where: { id: entryId }, select: { id: true, raceId: true, userId: true, ticketTypeId: true, status: true, user: { select: { email: true, name: true } } } });
    if (!entry || entry.raceId !== raceId) throw new WaitlistError("not_found", "This person is not on a waiting list of this race.");
    if (!onSale(await lockRaceForSale(tx, raceId), now)) throw new WaitlistError("conflict", "This race is not taking registrations, so no place can be offered.");
    const type = (await lockTicketTypes(tx, [entry.ticketTypeId])).get(entry.ticketTypeId)!;
    const current = await tx.waitlistEntry.findUniqueOrThrow({ where: { id: entryId }, select: { status: true } });
    if (current.status !== "WAITING") throw new WaitlistError("conflict", `Only someone still waiting can be offered a place; this person's entry is ${current.status.toLowerCase()}.`);
    if (type.archivedAt) throw new WaitlistError("conflict", `${type.name} is archived: restore it before offering its places.`);
    if (await holdsOtherOrder(tx, raceId, entry.userId)) throw new WaitlistError("conflict", "This person is in another checkout for this race right now. Try again when it has ended.");
    const free = type.capacity - type.soldCount - type.heldCount;
    if (free <= 0 && !addPlace) throw new WaitlistError("conflict", `No ${type.name} place is free. Choose “add a place” to raise the capacity by one for this person.`);
    const capacity = free <= 0 ? type.capacity + 1 : type.capacity;
    if (capacity !== type.capacity) await tx.ticketType.update({ where: { id: type.id }, data: { capacity } });
    const race = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { ...raceForOfferSelect, organisationId: true } });
    const made = await makeOffer(tx, { race, type, entry, now, offeredById: actorId });
    await recordAudit(tx, {
      organisationId: race.organisationId,
      raceId,
      actorId,
      action: "waitlist.offered_by_hand",
      entityType: "waitlist_entry",
      entityId: entry.id,
      changes: { userId: entry.userId, ticketTypeId: type.id, orderId: made.orderId, offerExpiresAt: made.expiresAt.toISOString(), ...diff({ capacity: type.capacity }, { capacity }) },
    });
    return made;
  }, WAITLIST_TX);
  await tellOffers([offer]);
  return { orderId: offer.orderId };
}

/** The race's claim window in hours (half-hour steps within Stripe's 30 min – 24 h), audited. */
export async function setClaimWindow({ raceId, actorId, hours }: { raceId: string; actorId: string; hours: number }) {
  const minutes = Math.round(hours * 60);
  if (!Number.isFinite(hours) || minutes < CLAIM_WINDOW_HOURS.min * 60 || minutes > CLAIM_WINDOW_HOURS.max * 60) {
    throw new DomainError("invalid", `The claim window must be between ${CLAIM_WINDOW_HOURS.min} and ${CLAIM_WINDOW_HOURS.max} hours.`, { field: "claimHours" });
  }
  await db.$transaction(async (tx) => {
    const race = await tx.race.findUnique({ where: { id: raceId }, select: { organisationId: true, waitlistClaimMinutes: true } });
    if (!race) throw new WaitlistError("not_found", "This race does not exist.");
    await tx.race.update({ where: { id: raceId }, data: { waitlistClaimMinutes: minutes } });
    await recordAudit(tx, { organisationId: race.organisationId, raceId, actorId, action: "waitlist.claim_window_changed", entityType: "race", entityId: raceId, changes: diff({ waitlistClaimMinutes: race.waitlistClaimMinutes }, { waitlistClaimMinutes: minutes }) });
  }, WAITLIST_TX);
}
