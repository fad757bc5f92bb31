import { randomBytes } from "node:crypto";
import { Prisma } from "@prisma/client";
import { waitlistOfferEmail } from "~/emails/waitlist-offer";
import { orderTotals, type TaxMode } from "~/lib/order-totals";
import { priceInForce } from "~/lib/pricing";
import { formatInZone } from "~/lib/time";
import { waitlistPath } from "~/lib/waitlist-rules";
import { db, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger } from "~/utils/logger.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceHold } from "./race-stats.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";

const log = createLogger({ service: "waitlist" });

export const WAITLIST_TX = { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 30_000 };

/** An offer made in a transaction, told to its person (email and live notification) after the commit. */
export type MadeOffer = { entryId: string; orderId: string; userId: string; email: string; name: string; raceId: string; raceName: string; slug: string; timeZone: string; ticketTypeName: string; expiresAt: Date };

/**
 * Offers whose order has moved on are settled: a paid order makes the entry PURCHASED, a released one (the claim
 * window ran out, the buyer started another checkout, the race was cancelled) EXPIRED, so the list moves on.
 */
export async function settleOffers(tx: Db, now: Date, ticketTypeId?: string) {
  const scope = ticketTypeId ? Prisma.sql`AND w."ticketTypeId" = ${ticketTypeId}` : Prisma.empty;
  await tx.$executeRaw`
    UPDATE "WaitlistEntry" AS w SET status = 'PURCHASED', "endedAt" = ${now}
    FROM "Order" AS o WHERE o.id = w."orderId" AND w.status IN ('OFFERED', 'CLAIMED') AND o.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') ${scope}`;
  await tx.$executeRaw`
    UPDATE "WaitlistEntry" AS w SET status = 'EXPIRED', "endedAt" = ${now}
    FROM "Order" AS o WHERE o.id = w."orderId" AND w.status IN ('OFFERED', 'CLAIMED') AND o.status IN ('EXPIRED', 'CANCELLED') ${scope}`;
}

type RaceForOffer = { id: string; name: string; slug: string; timeZone: string; currency: string; taxMode: string; taxRateBps: number; waitlistClaimMinutes: number };
type TypeForOffer = { id: string; name: string; priceMinor: number };

/**
 * Holds one place of the (locked) ticket type for a waiting person: a pending order of one ticket whose hold ends
 * with the claim window, so the place is theirs until then and the ordinary hold expiry frees it afterwards.
 * The caller has checked a place is free and the person holds no other pending order for the race.
 */
export async function makeOffer(tx: Db, { race, type, entry, now, offeredById = null }: { race: RaceForOffer; type: TypeForOffer; entry: { id: string; userId: string; user: { email: string; name: string } }; now: Date; offeredById?: string | null }): Promise<MadeOffer> {
  const tiers = await tx.priceTier.findMany({ where: { ticketTypeId: type.id }, select: { priceMinor: true, endsAt: true } });
  const priceMinor = priceInForce(type.priceMinor, tiers, now);
  const totals = orderTotals({ prices: [priceMinor], taxMode: race.taxMode as TaxMode, taxRateBps: race.taxRateBps });
  const expiresAt = new Date(now.getTime() + race.waitlistClaimMinutes * 60_000);
  const order = await tx.order.create({
    data: {
      raceId: race.id,
      buyerId: entry.userId,
      buyerEmail: entry.user.email,
      buyerName: entry.user.name,
      currency: race.currency,
      subtotalMinor: totals.subtotalMinor,
      taxMinor: totals.taxMinor,
      totalMinor: totals.totalMinor,
      holdExpiresAt: expiresAt,
      createdAt: now,
      tickets: { create: [{ raceId: race.id, ticketTypeId: type.id, priceMinor, qrToken: randomBytes(18).toString("base64url") }] },
    },
    select: { id: true },
  });
  await tx.ticketType.update({ where: { id: type.id }, data: { heldCount: { increment: 1 } } });
  await tx.waitlistEntry.update({ where: { id: entry.id }, data: { status: "OFFERED", offeredAt: now, offerExpiresAt: expiresAt, orderId: order.id, offeredById } });
  return { entryId: entry.id, orderId: order.id, userId: entry.userId, email: entry.user.email, name: entry.user.name, raceId: race.id, raceName: race.name, slug: race.slug, timeZone: race.timeZone, ticketTypeName: type.name, expiresAt };
}

export const raceForOfferSelect = { id: true, name: true, slug: true, timeZone: true, currency: true, taxMode: true, taxRateBps: true, waitlistClaimMinutes: true } as const;

/** The one place a buyer may be offered: someone with another pending order for the race is passed over for now. */
export async function holdsOtherOrder(tx: Db, raceId: string, userId: string) {
  return (await tx.order.count({ where: { raceId, buyerId: userId, status: "PENDING" } })) > 0;
}

/** A race on sale now under its row lock (offers stop when registration closes or the race is cancelled). */
export function onSale(race: { status: string; registrationClosesAt: Date | null; startsAt: Date } | null, now: Date) {
  return race !== null && race.status === "PUBLISHED" && race.startsAt > now && (!race.registrationClosesAt || race.registrationClosesAt > now);
}

/**
 * Offers every free place of one ticket type to the people waiting longest, one transaction under the race and
 * ticket type locks (the lock order of ADR 0023), so a place is offered once and never oversold.
 */
async function offerForType(ticketTypeId: string, now: Date) {
  return db.$transaction(async (tx) => {
    const { raceId } = await tx.ticketType.findUniqueOrThrow({ where: { id: ticketTypeId }, select: { raceId: true } });
    const race = await lockRaceForSale(tx, raceId);
    const type = (await lockTicketTypes(tx, [ticketTypeId])).get(ticketTypeId);
    // Entries are written only after the race and type locks, like every other writer of them (no lock cycle).
    await settleOffers(tx, now, ticketTypeId);
    if (!onSale(race, now) || !type || type.archivedAt) return [];
    let free = type.capacity - type.soldCount - type.heldCount;
    if (free <= 0) return [];
    const offeredRace = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: raceForOfferSelect });
    const waiting = await tx.waitlistEntry.findMany({
      where: { ticketTypeId, status: "WAITING" },
      orderBy: [{ joinedAt: "asc" }, { id: "asc" }],
      take: free + 50,
      select: { id: true, userId: true, user: { select: { email: true, name: true } } },
    });
    const offers: MadeOffer[] = [];
    for (const entry of waiting) {
      if (free <= 0) break;
      if (await holdsOtherOrder(tx, raceId, entry.userId)) continue;
      offers.push(await makeOffer(tx, { race: offeredRace, type, entry, now }));
      free -= 1;
    }
    return offers;
  }, WAITLIST_TX);
}

/** Tells each person offered a place: an email through the outbox and a toast in every open tab. */
export async function tellOffers(offers: MadeOffer[]) {
  for (const offer of offers) {
    const until = formatInZone(offer.expiresAt, offer.timeZone);
    const claimUrl = `${getEnv().appOrigin}${waitlistPath(offer.slug)}`;
    const email = await recordEmail({ userId: offer.userId, to: offer.email, ...waitlistOfferEmail({ name: offer.name, raceName: offer.raceName, ticketTypeName: offer.ticketTypeName, until, claimUrl }) });
    await sendQueued(email.id);
    await notify({
      userId: offer.userId,
      kind: "waitlist.offered",
      title: `A place in ${offer.raceName} is yours to claim`,
      body: `${offer.ticketTypeName}: we hold it for you until ${until}.`,
      href: waitlistPath(offer.slug),
      dedupeKey: `waitlist.offered:${offer.orderId}`,
    });
  }
  for (const raceId of new Set(offers.map((offer) => offer.raceId))) await announceHold(raceId);
}

/**
 * A place may have freed (a hold ran out or was released, a refund, a cancelled ticket, a capacity raised): offers
 * every free place of the race's (or every race's) waiting lists to the next people. Safe to run twice and at any
 * time; the hold-expiry job runs it every 15 s as well, so an offer missed after a crash is made then.
 */
export async function offerFreedPlaces({ raceId, now = new Date() }: { raceId?: string; now?: Date } = {}) {
  if (!raceId) await settleOffers(db, now);
  const types = await db.waitlistEntry.findMany({ where: { status: "WAITING", ...(raceId ? { raceId } : {}) }, distinct: ["ticketTypeId"], select: { ticketTypeId: true } });
  const offers: MadeOffer[] = [];
  for (const { ticketTypeId } of types) offers.push(...(await offerForType(ticketTypeId, now)));
  await tellOffers(offers);
  return offers.length;
}

/** For writers that just freed places (refunds, releases, capacity): offering must never fail their work. */
export async function offerFreedPlacesSoon(raceId: string) {
  try {
    await offerFreedPlaces({ raceId });
  } catch (error) {
    log.warn("waiting-list offer failed; the hold-expiry job offers the place within 15 s", { raceId, error });
  }
}
