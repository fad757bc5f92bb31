import { randomBytes } from "node:crypto";
import { Prisma, type TaxMode } from "@prisma/client";
import { awaitWalFlush, db, sqlPool, type Db } from "~/utils/db.server";
import { groupCommit } from "~/lib/group-commit";
import { getEnv } from "~/utils/env.server";
import { DomainError } from "~/lib/errors";
import { orderTotals } from "~/lib/order-totals";
import { priceInForce } from "~/lib/pricing";
import { queuePath } from "~/lib/queue-rules";
import { announceHold, announceSale } from "./race-stats.server";
import { holdOutcome, holdStatement, readCart, readCarts, isRawUniqueViolation, lockHoldsFrom, takeHolds, type CartRequest, type HoldInput, type HoldOutcome, type HoldRow, type HoldTicket } from "./hold-statement.server";
import { markSoldOut, soldOutMarks, type SoldOutView } from "./sold-out-marks.server";
import { announceRoomChange } from "./room-status.server";
import { expireSessionLater } from "./checkout-sessions.server";
import { releaseHeldPlaces } from "./hold-releases.server";
import { lockRaceForSale, lockTicketTypes } from "./sale-locks.server";
import { usePassForOrder } from "./queue.server";
import { offerFreedPlacesSoon } from "./waitlist-offers.server";

/** A cart that cannot be held; shown above the race page's ticket form. */
export class ReservationError extends DomainError {
  constructor(message: string, kind: "invalid" | "not_found" | "conflict" | "rate_limited" = "conflict") {
    super(kind, message, { field: "form" });
    this.name = "ReservationError";
  }
}

export type CartLine = { ticketTypeId: string; quantity: number };
export type Buyer = { id: string; email: string; name: string };

/** The shape of a row id (Prisma's cuid, or a seeded id): anything else cannot name a ticket type. */
const ROW_ID = /^[A-Za-z0-9_-]{1,64}$/;

function validateCart(lines: CartLine[]) {
  const merged = new Map<string, number>();
  for (const { ticketTypeId, quantity } of lines) {
    // Checked here, not left to Postgres: a malformed id (a NUL byte) would fail the read of every cart in its batch.
    if (!ROW_ID.test(ticketTypeId)) throw new ReservationError("One of the tickets is no longer offered. Refresh the page.", "invalid");
    if (!Number.isInteger(quantity) || quantity < 0) throw new ReservationError("Choose whole numbers of tickets.", "invalid");
    if (quantity > 0) merged.set(ticketTypeId, (merged.get(ticketTypeId) ?? 0) + quantity);
  }
  if (merged.size === 0) throw new ReservationError("Choose at least one ticket.", "invalid");
  return merged;
}

/** `queuePass`: the checkout pass the race's queue gave the buyer; required while the queue is on (ADR 0050). */
type HoldRequest = { raceId: string; buyer: Buyer; lines: CartLine[]; clientIp?: string | null; queuePass?: string | null; now?: Date };

/** While a race's queue is on, the hold's transaction spends the buyer's checkout pass on the new order, or rolls back. */
type PassSpender = ((tx: Db, orderId: string) => Promise<void>) | null;

const HOLD_ATTEMPTS = 5;

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

/**
 * Holds places for a buyer and creates a pending order whose hold expires after the race's hold time. The places
 * are taken and the order written by one SQL statement that can never oversell (ADR 0045). A buyer who starts
 * again gets their earlier pending order for this race released first, so places are never held twice: a
 * partial unique index allows one pending order per buyer and race, and a request that loses to a parallel one
 * of the same buyer starts again, so it sees that order and replaces it, like a later click. `clientIp` (the web
 * request's address) caps the holds one address may have open at once.
 */
export async function reservePlaces({ raceId, buyer, lines, clientIp = null, queuePass = null, now = new Date() }: HoldRequest) {
  const wanted = validateCart(lines);
  const typeIds = [...wanted.keys()];
  const marks = await soldOutMarks(raceId, typeIds);
  if (marks.refusal) throw new ReservationError(marks.refusal);
  // Carts of one race are read together, in arrival order (ADR 0114): a rush costs Postgres one read per batch, and once
  // the places are gone the buyers behind read "sold out" and never reach the hold statement.
  const first = prepareHold(await cartsOfRace.add(raceId, { raceId, buyerId: buyer.id, ticketTypeIds: typeIds }), { raceId, buyer, wanted, clientIp, queuePass, now });
  if ("refusal" in first) {
    if (first.soldOutType) await markSoldOut(raceId, first.soldOutType, first.refusal, marks);
    throw new ReservationError(first.refusal);
  }
  const { hold, spendPass } = first;

  // One statement takes the places and writes the order (ADR 0045), with the holds of the same race that arrive
  // meanwhile in one transaction (ADR 0114): no connection sits idle in a transaction while Node works. For a buyer
  // who already has a pending order for the race it takes nothing (or, for an order another request is writing at
  // that moment, the partial unique index refuses it); then a transaction releases that order first and runs the
  // same statement. A race behind a queue always goes through that transaction, which also spends the buyer's checkout
  // pass.
  for (let attempt = 1; ; attempt++) {
    let held = await (spendPass ? replaceHold(hold, spendPass) : takeHold(hold)).catch(lostToOwnHold);
    if (held.outcome === "buyer_has_hold") held = await replaceHold(hold, spendPass).catch(lostToOwnHold);
    if (held.outcome === "buyer_has_hold") {
      // Another request of this buyer placed an order in between: the next attempt replaces that one.
      if (attempt === HOLD_ATTEMPTS) throw new ReservationError("Another checkout for this race is starting in your account right now. Wait a moment and try again.");
      continue;
    }
    if (held.outcome !== "held") {
      await refuse(held, hold, marks, attempt === HOLD_ATTEMPTS);
      continue;
    }
    // Committed without waiting for the disk, so the type's row lock was not held across the sync: the hold is
    // told (and announced) only once it is durable.
    if (held.flushPending) await awaitWalFlush();
    // The checkout this hold replaced must not stay payable: its places are gone.
    for (const sessionId of held.replacedSessions) await expireSessionLater(sessionId);
    await Promise.all([held.freedPlaces ? announceSale(raceId) : announceHold(raceId), announceRoomChange(hold.roomId)]);
    if (held.freedPlaces) await offerFreedPlacesSoon(raceId);
    return held.order;
  }
}

type Cart = Awaited<ReturnType<typeof readCart>>;
type Prepared = { refusal: string; soldOutType: string | null } | { hold: HoldInput & { roomId: string | null }; spendPass: PassSpender };

/**
 * Checks the cart against what `readCart` saw and prices it: a refusal (with the ticket type to mark sold out in
 * Redis, if that is why), or the hold to take. Plain reads can only say "sold out", never "available", so a refusal
 * here cannot oversell; a buyer with a hold of their own may still go on (replacing it gives its places back first).
 */
function prepareHold({ race, offered, room, buyerHolds }: Cart, { raceId, buyer, wanted, clientIp, queuePass, now }: Omit<HoldRequest, "lines"> & { wanted: Map<string, number>; now: Date }): Prepared {
  if (!race) throw new ReservationError("This race does not exist.", "not_found");
  const queueLink = race.queueEnabled ? queuePath(race.slug) : null;
  const spendPass: PassSpender = queueLink ? (tx, orderId) => usePassForOrder(tx, { raceId, userId: buyer.id, passToken: queuePass ?? null, orderId, now, queueLink }) : null;
  if (race.status !== "PUBLISHED") throw new ReservationError("Registration for this race is closed.");
  if (race.registrationOpensAt && race.registrationOpensAt > now) throw new ReservationError("Registration has not opened yet.");
  if ((race.registrationClosesAt && race.registrationClosesAt <= now) || race.startsAt <= now) throw new ReservationError("Registration has closed.");
  const types = new Map(offered.map((type) => [type.id, type]));
  const soldOut = offered.find((t) => wanted.has(t.id) && t.capacity - t.soldCount - t.heldCount <= 0);
  if (soldOut && !buyerHolds) return { refusal: `${soldOut.name} is sold out.`, soldOutType: soldOut.id };
  const roomId = room?.id ?? null;
  const tickets: HoldTicket[] = [];
  for (const [ticketTypeId, quantity] of wanted) {
    const type = types.get(ticketTypeId);
    refuseLine(type, raceId, quantity, now);
    const priceMinor = priceInForce(type!.priceMinor, type!.priceTiers, now);
    for (let i = 0; i < quantity; i++) tickets.push({ ticketTypeId, priceMinor, qrToken: randomBytes(18).toString("base64url"), roomId });
  }
  return {
    spendPass,
    hold: {
      raceId,
      buyer,
      wanted,
      tickets,
      roomId,
      currency: race.currency,
      totals: orderTotals({ prices: tickets.map((t) => t.priceMinor), taxMode: race.taxMode as TaxMode, taxRateBps: race.taxRateBps }),
      holdExpiresAt: new Date(now.getTime() + race.holdMinutes * 60_000),
      clientIp: clientIp ?? null,
      holdsPerIp: getEnv().HOLDS_MAX_PER_IP,
      now,
    },
  };
}

/** A parallel request of the same buyer won the one pending order per buyer and race (the partial unique index). */
function lostToOwnHold(error: unknown): { outcome: "buyer_has_hold" } {
  if (isRawUniqueViolation(error)) return { outcome: "buyer_has_hold" };
  throw error;
}

/** `flushPending`: committed without waiting for the disk (ADR 0066); `awaitWalFlush()` before anyone is told. */
type HeldOrder = HoldOutcome extends infer O ? (O extends { outcome: "held" } ? O & { replacedSessions: string[]; freedPlaces: boolean; flushPending: boolean } : O) : never;

/**
 * Carts of one race read together (ADR 0114), each batch once the race's holds queued when it starts are written: it
 * sees the places they took, so once the places are gone the buyers behind read "sold out" instead of reaching the
 * statement. The buyers of the batch just answered queue their holds a moment later, so a read overlaps the holds of
 * the batch before it (a pipeline two batches deep): measured, waiting for those too made 2,000 places a fifth slower,
 * and it would spare only the one batch that reads the last places as free.
 */
const cartsOfRace = groupCommit<CartRequest, Cart>({
  maxBatch: 100,
  write: async (requests) => {
    await holdsOfRace.idle(requests[0]!.raceId);
    return readCarts(sqlPool(), requests);
  },
});

/** Holds of one race taken together (group commit, ADR 0114); a buyer's parallel requests never share a batch. */
const holdsOfRace = groupCommit<HoldInput, HoldRow[]>({ maxBatch: 50, write: takeHolds, apart: (hold) => hold.buyer.id });

/**
 * The common case, straight through pg (no Prisma work per query, ADR 0045) as a prepared statement (ADR 0065), in
 * one round trip with the other holds of the race that arrive while the one before runs (ADR 0114).
 */
async function takeHold(hold: HoldInput): Promise<HeldOrder> {
  const outcome = holdOutcome(await holdsOfRace.add(hold.raceId, hold), hold);
  return outcome.outcome === "held" ? { ...outcome, replacedSessions: [], freedPlaces: false, flushPending: true } : outcome;
}

/**
 * The buyer starts again while holding places for this race: one transaction releases the earlier pending order
 * (its ticket types locked with the new cart's, in id order, after the race: the lock order of ADR 0023) and then
 * runs the hold statement, which sees the places given back.
 */
async function replaceHold(hold: HoldInput, spendPass: PassSpender): Promise<HeldOrder> {
  const { raceId, buyer, clientIp } = hold;
  return db.$transaction(
    async (tx) => {
      if (clientIp) {
        const lock = lockHoldsFrom(clientIp);
        await tx.$executeRawUnsafe(lock.text, ...lock.values);
      }
      const previous = await tx.order.findMany({
        where: { raceId, buyerId: buyer.id, status: "PENDING" },
        select: { id: true, tickets: { where: { status: "HELD" }, select: { ticketTypeId: true } } },
      });
      if ((await lockRaceForSale(tx, raceId))?.status !== "PUBLISHED") return { outcome: "race_closed" as const };
      await lockTicketTypes(tx, [...previous.flatMap((o) => o.tickets.map((t) => t.ticketTypeId)), ...hold.wanted.keys()]);
      const replacedSessions: string[] = [];
      for (const { id } of previous) {
        const released = await releaseHeldPlaces(tx, id, "CANCELLED");
        if (released && released.sessionId) replacedSessions.push(released.sessionId);
      }
      const statement = holdStatement(hold);
      const outcome = holdOutcome(await tx.$queryRawUnsafe<HoldRow[]>(statement.text, ...statement.values), hold);
      // Nothing taken: the release is rolled back too, so the earlier hold stands.
      if (outcome.outcome !== "held") throw new HoldRefused(outcome);
      if (spendPass) await spendPass(tx, outcome.order.id);
      // Places of a type the new cart holds fewer of than the released order did are free again.
      const before = new Map<string, number>();
      for (const t of previous.flatMap((o) => o.tickets)) before.set(t.ticketTypeId, (before.get(t.ticketTypeId) ?? 0) + 1);
      const freedPlaces = [...before].some(([id, count]) => count > (hold.wanted.get(id) ?? 0));
      return { ...outcome, replacedSessions, freedPlaces, flushPending: false };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 15_000 },
  ).catch((error: unknown) => {
    if (error instanceof HoldRefused) return error.outcome;
    throw error;
  });
}

class HoldRefused extends Error {
  constructor(readonly outcome: Exclude<HoldOutcome, { outcome: "held" }>) {
    super(outcome.outcome);
  }
}

/**
 * Says why the hold statement took nothing. For places, a plain read of each type, checked like the cart was
 * ("not on sale", "sold out", "only 2 left"); a sold-out type is marked in Redis for the crowd behind. Returns
 * only when every type has room again (places were given back meanwhile): nobody is refused while places remain.
 */
async function refuse(held: Exclude<HoldOutcome, { outcome: "held" }>, { raceId, buyer, wanted, now }: HoldInput, marks: SoldOutView, last: boolean) {
  if (held.outcome === "too_many_from_ip") {
    const cap = getEnv().HOLDS_MAX_PER_IP;
    throw new ReservationError(
      `Too many checkouts are open from your network right now (at most ${cap}). Finish or cancel one, or wait until a hold runs out, then try again.`,
      "rate_limited",
    );
  }
  if (held.outcome === "race_closed") throw new ReservationError("Registration for this race is closed.");
  const { offered } = await readCart(sqlPool(), raceId, [...wanted.keys()], buyer.id);
  const types = new Map(offered.map((row) => [row.id, row]));
  for (const [ticketTypeId, quantity] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const type = types.get(ticketTypeId);
    refuseLine(type, raceId, quantity, now);
    const remaining = Math.max(0, type!.capacity - type!.soldCount - type!.heldCount);
    if (remaining >= quantity) continue;
    if (remaining <= 0) {
      await markSoldOut(raceId, ticketTypeId, `${type!.name} is sold out.`, marks);
      throw new ReservationError(`${type!.name} is sold out.`);
    }
    throw new ReservationError(`Only ${remaining} ${type!.name} ${remaining === 1 ? "place is" : "places are"} left.`);
  }
  // Every type has room again: places were given back after the statement looked. The caller tries again.
  if (last) throw new ReservationError("Places are changing hands quickly right now. Try again in a moment.");
}

/** The open room the user is in for this race, if any: tickets they register go with that room (team). */
export async function activeRoom(raceId: string, userId: string) {
  const membership = await db.roomMember.findFirst({
    where: { raceId, userId, leftAt: null, room: { status: "OPEN" } },
    select: { room: { select: { id: true, name: true, teamName: true } } },
  });
  return membership?.room ?? null;
}
