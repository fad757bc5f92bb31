import { randomBytes } from "node:crypto";
import { Prisma } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { DomainError } from "~/lib/errors";
import { orderTotals } from "~/lib/order-totals";
import { priceInForce } from "~/lib/pricing";
import { queuePath } from "~/lib/queue-rules";
import { announceSale } from "./race-stats.server";
import { markSoldOut, soldOutMark } from "./sold-out-marks.server";
import { announceRoomChange } from "./room-status.server";
import { expireSessionLater } from "./checkout-sessions.server";
import { releaseHeldPlaces } from "./hold-releases.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";
import { usePassForOrder } from "./queue.server";

/** A cart that cannot be held; shown above the race page's ticket form. */
export class ReservationError extends DomainError {
  constructor(message: string, kind: "invalid" | "not_found" | "conflict" | "rate_limited" = "conflict") {
    super(kind, message, { field: "form" });
    this.name = "ReservationError";
  }
}

export type CartLine = { ticketTypeId: string; quantity: number };
export type Buyer = { id: string; email: string; name: string };

function validateCart(lines: CartLine[]) {
  const merged = new Map<string, number>();
  for (const { ticketTypeId, quantity } of lines) {
    if (!Number.isInteger(quantity) || quantity < 0) throw new ReservationError("Choose whole numbers of tickets.", "invalid");
    if (quantity > 0) merged.set(ticketTypeId, (merged.get(ticketTypeId) ?? 0) + quantity);
  }
  if (merged.size === 0) throw new ReservationError("Choose at least one ticket.", "invalid");
  return merged;
}

/** `queuePass`: the checkout pass the race's queue gave the buyer; required while the queue is on (ADR 0050). */
type HoldRequest = { raceId: string; buyer: Buyer; lines: CartLine[]; clientIp?: string | null; queuePass?: string | null; now?: Date };

const HOLD_ATTEMPTS = 5;

/**
 * Holds places for a buyer in one transaction that locks the ticket types' capacity rows, and
 * creates a pending order whose hold expires after the race's hold time. A buyer who starts again
 * gets their earlier pending order for this race released first, so places are never held twice: a
 * partial unique index allows one pending order per buyer and race, and a request that loses to a
 * parallel one of the same buyer (the index refuses its order) starts again, so it sees that order and
 * replaces it, like a later click. `clientIp` (the web request's address) caps the holds one address
 * may have open at once.
 */
export async function reservePlaces(request: HoldRequest) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await holdPlaces(request);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (attempt === HOLD_ATTEMPTS) {
        throw new ReservationError("Another checkout for this race is starting in your account right now. Wait a moment and try again.");
      }
    }
  }
}

type OfferedType = {
  id: string;
  raceId: string;
  name: string;
  priceMinor: number;
  maxPerOrder: number;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  archivedAt: Date | null;
  priceTiers: { priceMinor: number; endsAt: Date | null }[];
};

/** Refuses a cart line the ticket type does not allow (whatever the places left). */
function refuseLine(type: OfferedType | undefined, raceId: string, quantity: number, now: Date) {
  if (!type || type.raceId !== raceId || type.archivedAt) throw new ReservationError("One of the tickets is no longer offered. Refresh the page.", "invalid");
  if ((type.salesStartAt && type.salesStartAt > now) || (type.salesEndAt && type.salesEndAt <= now)) throw new ReservationError(`${type.name} is not on sale right now.`);
  if (quantity > type.maxPerOrder) throw new ReservationError(`You can buy at most ${type.maxPerOrder} ${type.name} tickets in one order.`, "invalid");
}

async function holdPlaces({ raceId, buyer, lines, clientIp = null, queuePass = null, now = new Date() }: HoldRequest) {
  const wanted = validateCart(lines);
  const markedSoldOut = await soldOutMark(raceId, [...wanted.keys()]);
  if (markedSoldOut) throw new ReservationError(markedSoldOut);
  const [race, offered, room] = await Promise.all([
    db.race.findUnique({
      where: { id: raceId },
      select: {
        slug: true, status: true, currency: true, holdMinutes: true, registrationOpensAt: true, registrationClosesAt: true, startsAt: true, taxMode: true, taxRateBps: true,
        queue: { select: { enabled: true } },
      },
    }),
    db.ticketType.findMany({
      where: { id: { in: [...wanted.keys()] } },
      select: {
        id: true, raceId: true, name: true, priceMinor: true, maxPerOrder: true, salesStartAt: true, salesEndAt: true, archivedAt: true,
        capacity: true, soldCount: true, heldCount: true, priceTiers: { select: { priceMinor: true, endsAt: true } },
      },
    }),
    activeRoom(raceId, buyer.id),
  ]);
  if (!race) throw new ReservationError("This race does not exist.", "not_found");
  const queueLink = race.queue?.enabled ? queuePath(race.slug) : null;
  if (race.status !== "PUBLISHED") throw new ReservationError("Registration for this race is closed.");
  if (race.registrationOpensAt && race.registrationOpensAt > now) throw new ReservationError("Registration has not opened yet.");
  if ((race.registrationClosesAt && race.registrationClosesAt <= now) || race.startsAt <= now) throw new ReservationError("Registration has closed.");
  const types = new Map(offered.map((type) => [type.id, type]));
  // A crowd pressing "Register" after the last place went is turned away by this plain read (it can only
  // say "sold out", never "available", so it cannot oversell). A buyer with a hold of their own may still
  // go on: replacing that hold gives its places back first.
  const soldOut = offered.find((t) => wanted.has(t.id) && t.capacity - t.soldCount - t.heldCount <= 0);
  if (soldOut && (await db.order.count({ where: { raceId, buyerId: buyer.id, status: "PENDING" } })) === 0) {
    await markSoldOut(raceId, soldOut.id, `${soldOut.name} is sold out.`);
    throw new ReservationError(`${soldOut.name} is sold out.`);
  }
  const roomId = room?.id ?? null;
  const tickets: Prisma.TicketCreateManyOrderInput[] = [];
  for (const [ticketTypeId, quantity] of wanted) {
    const type = types.get(ticketTypeId);
    refuseLine(type, raceId, quantity, now);
    const priceMinor = priceInForce(type!.priceMinor, type!.priceTiers, now);
    for (let i = 0; i < quantity; i++) tickets.push({ raceId, ticketTypeId, priceMinor, status: "HELD", qrToken: randomBytes(18).toString("base64url"), roomId });
  }
  const totals = orderTotals({ prices: tickets.map((t) => t.priceMinor), taxMode: race.taxMode, taxRateBps: race.taxRateBps });

  // The order is written first and the places taken last, each with one guarded UPDATE: a ticket type's
  // row lock is then held for a single round trip (the UPDATE, then COMMIT), not for the whole hold (ADR 0027).
  const order = await db.$transaction(
    async (tx) => {
      const previous = await tx.order.findMany({
        where: { raceId, buyerId: buyer.id, status: "PENDING" },
        select: { id: true, tickets: { where: { status: "HELD" }, select: { ticketTypeId: true } } },
      });
      if (clientIp) await refuseTooManyHoldsFrom(tx, clientIp, { raceId, buyerId: buyer.id, now });
      // Checked again under the lock the cancellation takes: a race cancelled since the read above holds nothing.
      if ((await lockRaceForSale(tx, raceId))?.status !== "PUBLISHED") throw new ReservationError("Registration for this race is closed.");
      const replacedSessions: string[] = [];
      if (previous.length) {
        await lockTicketTypes(tx, previous.flatMap((o) => o.tickets.map((t) => t.ticketTypeId)));
        for (const { id } of previous) {
          const released = await releaseHeldPlaces(tx, id, "CANCELLED");
          if (released && released.sessionId) replacedSessions.push(released.sessionId);
        }
      }
      const created = await tx.order.create({
        data: {
          raceId,
          buyerId: buyer.id,
          buyerEmail: buyer.email,
          buyerName: buyer.name,
          currency: race.currency,
          subtotalMinor: totals.subtotalMinor,
          taxMinor: totals.taxMinor,
          totalMinor: totals.totalMinor,
          holdExpiresAt: new Date(now.getTime() + race.holdMinutes * 60_000),
          clientIp,
          tickets: { createMany: { data: tickets } },
        },
        select: { id: true, holdExpiresAt: true, subtotalMinor: true },
      });
      if (queueLink) await usePassForOrder(tx, { raceId, userId: buyer.id, passToken: queuePass, orderId: created.id, now, queueLink });
      // In id order, so two carts with the same types never wait on each other crosswise.
      for (const [ticketTypeId, quantity] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        await takePlaces(tx, raceId, ticketTypeId, quantity, now);
      }
      return { created, replacedSessions };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 15_000 },
  ).catch(async (error: unknown) => {
    if (error instanceof SoldOutError) await markSoldOut(raceId, error.ticketTypeId, error.message);
    throw error;
  });
  // The checkout this hold replaced must not stay payable: its places are gone.
  for (const sessionId of order.replacedSessions) await expireSessionLater(sessionId);
  await Promise.all([announceSale(raceId), announceRoomChange(roomId)]);
  return order.created;
}

class SoldOutError extends ReservationError {
  constructor(
    message: string,
    readonly ticketTypeId: string,
  ) {
    super(message);
  }
}

/**
 * Takes `quantity` places of a ticket type with one guarded UPDATE: it succeeds only while enough places
 * are left and the type is still offered, so it can never oversell, and nobody is refused while places
 * remain (each waiter re-reads the row after the holder commits). When it takes nothing, a plain read says why.
 */
async function takePlaces(tx: Db, raceId: string, ticketTypeId: string, quantity: number, now: Date) {
  const taken = await tx.$executeRaw`
    UPDATE "TicketType" SET "heldCount" = "heldCount" + ${quantity}
    WHERE id = ${ticketTypeId} AND "raceId" = ${raceId} AND "archivedAt" IS NULL
      AND capacity - "soldCount" - "heldCount" >= ${quantity}
      AND ("salesStartAt" IS NULL OR "salesStartAt" <= ${now}) AND ("salesEndAt" IS NULL OR "salesEndAt" > ${now})`;
  if (taken === 1) return;
  const type = await tx.ticketType.findUnique({
    where: { id: ticketTypeId },
    select: { id: true, raceId: true, name: true, priceMinor: true, maxPerOrder: true, salesStartAt: true, salesEndAt: true, archivedAt: true, capacity: true, soldCount: true, heldCount: true },
  });
  refuseLine(type ? { ...type, priceTiers: [] } : undefined, raceId, quantity, now);
  const remaining = Math.max(0, type!.capacity - type!.soldCount - type!.heldCount);
  if (remaining <= 0) throw new SoldOutError(`${type!.name} is sold out.`, ticketTypeId);
  throw new ReservationError(`Only ${remaining} ${type!.name} ${remaining === 1 ? "place is" : "places are"} left.`);
}


/**
 * Caps the holds one client address may have open (HOLDS_MAX_PER_IP), so one client cannot tie up a
 * race's places under many accounts. A transaction-scoped advisory lock per address makes the count and
 * the new hold one step, so parallel requests from one address cannot pass the cap together. The buyer's
 * own earlier hold for this race does not count: this hold replaces it.
 */
async function refuseTooManyHoldsFrom(tx: Db, clientIp: string, { raceId, buyerId, now }: { raceId: string; buyerId: string; now: Date }) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`holds-from:${clientIp}`}, 0))`;
  const open = await tx.order.count({
    where: { clientIp, status: "PENDING", holdExpiresAt: { gt: now }, NOT: { raceId, buyerId } },
  });
  const cap = getEnv().HOLDS_MAX_PER_IP;
  if (open >= cap) {
    throw new ReservationError(
      `Too many checkouts are open from your network right now (at most ${cap}). Finish or cancel one, or wait until a hold runs out, then try again.`,
      "rate_limited",
    );
  }
}

/** The open room the user is in for this race, if any: tickets they register go with that room (team). */
export async function activeRoom(raceId: string, userId: string) {
  const membership = await db.roomMember.findFirst({
    where: { raceId, userId, leftAt: null, room: { status: "OPEN" } },
    select: { room: { select: { id: true, name: true, teamName: true } } },
  });
  return membership?.room ?? null;
}
