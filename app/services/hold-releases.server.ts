import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { expireSessionLater } from "./checkout-sessions.server";
import { releaseDiscountHold } from "./discount-holds.server";
import { announceOrderChange } from "./orders.server";
import { announceSale } from "./race-stats.server";
import { announceRoomsChange } from "./room-status.server";
import { lockTicketTypes } from "./sale-locks.server";
import { offerFreedPlacesSoon } from "./waitlist-offers.server";

/**
 * Gives back the places and the discount code's use a pending order holds; false for an order that is no longer
 * pending (or, with `sessionId`, whose current Checkout Session is another one). Returns the Checkout Session the
 * order had, which the caller ends after the commit.
 */
export async function releaseHeldPlaces(tx: Prisma.TransactionClient, orderId: string, status: "EXPIRED" | "CANCELLED", sessionId?: string) {
  const [released] = await tx.order.updateManyAndReturn({
    where: { id: orderId, status: "PENDING", ...(sessionId ? { stripeSessionId: sessionId } : {}) },
    data: { status },
    select: { stripeSessionId: true },
  });
  if (!released) return false;
  await releaseDiscountHold(tx, orderId);
  const held = await tx.ticket.groupBy({ by: ["ticketTypeId"], where: { orderId, status: "HELD" }, _count: true });
  for (const { ticketTypeId, _count } of held) {
    await tx.ticketType.update({ where: { id: ticketTypeId }, data: { heldCount: { decrement: _count } } });
  }
  await tx.ticket.updateMany({ where: { orderId, status: "HELD" }, data: { status: "CANCELLED" } });
  return { sessionId: released.stripeSessionId };
}

type ReleaseOptions = {
  /** Stripe's event that this Checkout Session ended: release only while it is the order's current session. */
  sessionId?: string;
  /** A session the caller knows can no longer be paid (it expired it, or it was just paid): not expired again. */
  endedSessionId?: string | null;
};

/**
 * Releases one pending order's places and discount hold (hold expired, checkout abandoned, payment failed).
 * With `sessionId`, only while that is the order's current Checkout Session. The order's open Checkout Session
 * is expired after the commit (a job), so the buyer cannot pay for places that are gone. Idempotent.
 */
export async function releaseOrder(orderId: string, status: "EXPIRED" | "CANCELLED", { sessionId, endedSessionId }: ReleaseOptions = {}) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { raceId: true, tickets: { where: { status: "HELD" }, select: { ticketTypeId: true, roomId: true } } } });
  if (!order) return false;
  const released = await db.$transaction(async (tx) => {
    await lockTicketTypes(tx, order.tickets.map((t) => t.ticketTypeId));
    return releaseHeldPlaces(tx, orderId, status, sessionId);
  });
  if (!released) return false;
  const open = released.sessionId;
  if (open && open !== sessionId && open !== endedSessionId) await expireSessionLater(open);
  await Promise.all([announceSale(order.raceId), announceOrderChange(orderId), announceRoomsChange(order.tickets.map((t) => t.roomId))]);
  // The places are free: a waiting list of their ticket types offers them to the next people (ADR 0070).
  await offerFreedPlacesSoon(order.raceId);
  return true;
}

/** Housekeeping: releases every hold that has run out. */
export async function releaseExpiredHolds(now = new Date(), batch = 200) {
  const expired = await db.order.findMany({
    where: { status: "PENDING", holdExpiresAt: { lte: now } },
    select: { id: true },
    orderBy: { holdExpiresAt: "asc" },
    take: batch,
  });
  let released = 0;
  for (const { id } of expired) if (await releaseOrder(id, "EXPIRED")) released += 1;
  return released;
}
